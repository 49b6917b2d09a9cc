# Generated from _pod.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/_pod.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_probe = l_0_env_list = l_0_container = l_0_pod_template = missing
    try:
        t_1 = environment.filters['dictsort']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'dictsort' found.")
    try:
        t_2 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    try:
        t_3 = environment.tests['mapping']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No test named 'mapping' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/_pod.json.j2')._get_default_module(context)
    l_0_probe = getattr(included_template, 'probe', missing)
    if l_0_probe is missing:
        l_0_probe = undefined(f"the template {included_template.__name__!r} (imported on line 5 in 'kconfig:templates/jinja/_pod.json.j2') does not export the requested name 'probe'", name='probe')
    context.vars['probe'] = l_0_probe
    context.exported_vars.discard('probe')
    def macro(l_1_vars):
        t_4 = []
        if l_1_vars is missing:
            l_1_vars = undefined("parameter 'vars' was not provided", name='vars')
        pass
        t_4.append(
            '[',
        )
        l_2_loop = missing
        for (l_2_key, l_2_value), l_2_loop in LoopContext(t_1(l_1_vars, True), undefined):
            _loop_vars = {}
            pass
            if t_3(l_2_value):
                pass
                t_4.append(
                    str(t_2({'name': l_2_key, 'valueFrom': environment.getattr(l_2_value, 'valueFrom')})),
                )
            else:
                pass
                t_4.append(
                    str(t_2({'name': l_2_key, 'value': l_2_value})),
                )
            t_4.append(
                str((',' if (not environment.getattr(l_2_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 11 in 'kconfig:templates/jinja/_pod.json.j2' evaluated to false and no else section was defined."))),
            )
        l_2_loop = l_2_key = l_2_value = missing
        t_4.append(
            ']',
        )
        return concat(t_4)
    context.exported_vars.add('env_list')
    context.vars['env_list'] = l_0_env_list = Macro(environment, macro, 'env_list', ('vars',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_w, l_1_values, l_1_pod):
        t_5 = []
        if l_1_w is missing:
            l_1_w = undefined("parameter 'w' was not provided", name='w')
        if l_1_values is missing:
            l_1_values = undefined("parameter 'values' was not provided", name='values')
        if l_1_pod is missing:
            l_1_pod = undefined("parameter 'pod' was not provided", name='pod')
        pass
        t_5.append(
            '{',
        )
        if context.call(environment.getattr(l_1_values, 'get'), 'args'):
            pass
            t_5.extend((
                '"args": ',
                str(t_2(environment.getattr(l_1_values, 'args'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'command'):
            pass
            t_5.extend((
                '"command": ',
                str(t_2(environment.getattr(l_1_values, 'command'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'env'):
            pass
            t_5.extend((
                '"env": ',
                str(context.call((undefined(name='env_list') if l_0_env_list is missing else l_0_env_list), environment.getattr(l_1_values, 'env'))),
                ',',
            ))
        if environment.getattr(l_1_pod, 'envFrom'):
            pass
            t_5.extend((
                '"envFrom": ',
                str(t_2(environment.getattr(l_1_pod, 'envFrom'))),
                ',',
            ))
        if context.call(environment.getattr(environment.getattr(l_1_values, 'image'), 'get'), 'pullPolicy'):
            pass
            t_5.extend((
                '"imagePullPolicy": ',
                str(t_2(environment.getattr(environment.getattr(l_1_values, 'image'), 'pullPolicy'))),
                ',',
            ))
        if context.call(environment.getattr(environment.getattr(l_1_values, 'probes'), 'get'), 'liveness'):
            pass
            t_5.extend((
                '"livenessProbe": ',
                str(context.call((undefined(name='probe') if l_0_probe is missing else l_0_probe), environment.getattr(environment.getattr(l_1_values, 'probes'), 'liveness'), environment.getattr(l_1_values, 'portName'))),
                ',',
            ))
        if context.call(environment.getattr(environment.getattr(l_1_values, 'probes'), 'get'), 'readiness'):
            pass
            t_5.extend((
                '"readinessProbe": ',
                str(context.call((undefined(name='probe') if l_0_probe is missing else l_0_probe), environment.getattr(environment.getattr(l_1_values, 'probes'), 'readiness'), environment.getattr(l_1_values, 'portName'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'resources'):
            pass
            t_5.extend((
                '"resources": ',
                str(t_2(environment.getattr(l_1_values, 'resources'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'securityContext'):
            pass
            t_5.extend((
                '"securityContext": ',
                str(t_2(environment.getattr(l_1_values, 'securityContext'))),
                ',',
            ))
        if context.call(environment.getattr(environment.getattr(l_1_values, 'probes'), 'get'), 'startup'):
            pass
            t_5.extend((
                '"startupProbe": ',
                str(context.call((undefined(name='probe') if l_0_probe is missing else l_0_probe), environment.getattr(environment.getattr(l_1_values, 'probes'), 'startup'), environment.getattr(l_1_values, 'portName'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'volumeMounts'):
            pass
            t_5.extend((
                '"volumeMounts": ',
                str(t_2(environment.getattr(l_1_values, 'volumeMounts'))),
                ',',
            ))
        t_5.extend((
            '\n  "image": ',
            str(t_2(environment.getattr(l_1_w, 'image'))),
            ',\n  "name": "app",\n  "ports": [{"containerPort": ',
            str(t_2(environment.getattr(l_1_values, 'port'))),
            ', "name": ',
            str(t_2(environment.getattr(l_1_values, 'portName'))),
            ', "protocol": "TCP"}] }',
        ))
        return concat(t_5)
    context.exported_vars.add('container')
    context.vars['container'] = l_0_container = Macro(environment, macro, 'container', ('w', 'values', 'pod'), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_w, l_1_values, l_1_pod):
        t_6 = []
        if l_1_w is missing:
            l_1_w = undefined("parameter 'w' was not provided", name='w')
        if l_1_values is missing:
            l_1_values = undefined("parameter 'values' was not provided", name='values')
        if l_1_pod is missing:
            l_1_pod = undefined("parameter 'pod' was not provided", name='pod')
        pass
        t_6.append(
            '{ "metadata": {',
        )
        if environment.getattr(l_1_pod, 'annotations'):
            pass
            t_6.extend((
                '"annotations": ',
                str(t_2(environment.getattr(l_1_pod, 'annotations'))),
                ',',
            ))
        t_6.extend((
            '"labels": ',
            str(t_2(environment.getattr(l_1_w, 'labels'))),
            ' },\n  "spec": {',
        ))
        if context.call(environment.getattr(l_1_values, 'get'), 'nodeSelector'):
            pass
            t_6.extend((
                '"nodeSelector": ',
                str(t_2(environment.getattr(l_1_values, 'nodeSelector'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'podSecurityContext'):
            pass
            t_6.extend((
                '"securityContext": ',
                str(t_2(environment.getattr(l_1_values, 'podSecurityContext'))),
                ',',
            ))
        if environment.getattr(l_1_pod, 'serviceAccountName'):
            pass
            t_6.extend((
                '"serviceAccountName": ',
                str(t_2(environment.getattr(l_1_pod, 'serviceAccountName'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'tolerations'):
            pass
            t_6.extend((
                '"tolerations": ',
                str(t_2(environment.getattr(l_1_values, 'tolerations'))),
                ',',
            ))
        if context.call(environment.getattr(l_1_values, 'get'), 'volumes'):
            pass
            t_6.extend((
                '"volumes": ',
                str(t_2(environment.getattr(l_1_values, 'volumes'))),
                ',',
            ))
        t_6.extend((
            '\n    "containers": [',
            str(context.call((undefined(name='container') if l_0_container is missing else l_0_container), l_1_w, l_1_values, l_1_pod)),
        ))
        for l_2_sidecar in environment.getattr(l_1_values, 'sidecars'):
            _loop_vars = {}
            pass
            t_6.extend((
                ',',
                str(t_2(l_2_sidecar)),
            ))
        l_2_sidecar = missing
        t_6.append(
            '] } }',
        )
        return concat(t_6)
    context.exported_vars.add('pod_template')
    context.vars['pod_template'] = l_0_pod_template = Macro(environment, macro, 'pod_template', ('w', 'values', 'pod'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '5=30&7=36&8=45&9=48&10=56&11=59&15=68&16=80&17=87&18=94&19=101&20=108&21=115&22=122&23=129&24=136&25=143&26=150&27=159&29=161&32=169&33=181&35=193&36=200&37=207&38=214&39=221&40=230'