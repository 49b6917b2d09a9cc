# Generated from rollout.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/rollout.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_plan = resolve('plan')
    l_0_metadata = l_0_pod_template = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    try:
        t_2 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/rollout.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'kconfig:templates/jinja/rollout.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    included_template = environment.get_template('kconfig:templates/jinja/_pod.json.j2', 'kconfig:templates/jinja/rollout.json.j2')._get_default_module(context)
    l_0_pod_template = getattr(included_template, 'pod_template', missing)
    if l_0_pod_template is missing:
        l_0_pod_template = undefined(f"the template {included_template.__name__!r} (imported on line 4 in 'kconfig:templates/jinja/rollout.json.j2') does not export the requested name 'pod_template'", name='pod_template')
    context.vars['pod_template'] = l_0_pod_template
    context.exported_vars.discard('pod_template')
    yield '['
    def t_3(fiter):
        for l_1_w in fiter:
            if (environment.getattr(l_1_w, 'kind') == 'Rollout'):
                yield l_1_w
    l_1_loop = missing
    for l_1_w, l_1_loop in LoopContext(t_3(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'workloads')), undefined):
        l_1_labels = resolve('labels')
        l_1_values = resolve('values')
        l_1_platform = resolve('platform')
        _loop_vars = {}
        pass
        yield '\n{ "apiVersion": "argoproj.io/v1alpha1",\n  "kind": "Rollout",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(l_1_w, 'name'), (undefined(name='labels') if l_1_labels is missing else l_1_labels), environment.getattr((undefined(name='values') if l_1_values is missing else l_1_values), 'annotations'), _loop_vars=_loop_vars))
        yield ',\n  "spec": {'
        if (not t_2(environment.getattr(l_1_w, 'replicas'))):
            pass
            yield '"replicas": '
            yield str(t_1(environment.getattr(l_1_w, 'replicas')))
            yield ','
        yield '\n    "selector": {"matchLabels": '
        yield str(t_1(environment.getattr(l_1_w, 'selector')))
        yield '},\n    "strategy": '
        yield str(t_1(environment.getattr(l_1_w, 'strategy')))
        yield ',\n    "template": '
        yield str(context.call((undefined(name='pod_template') if l_0_pod_template is missing else l_0_pod_template), l_1_w, (undefined(name='values') if l_1_values is missing else l_1_values), environment.getattr((undefined(name='platform') if l_1_platform is missing else l_1_platform), 'pod'), _loop_vars=_loop_vars))
        yield ' } }'
        yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 15 in 'kconfig:templates/jinja/rollout.json.j2' evaluated to false and no else section was defined.")))
    l_1_loop = l_1_w = l_1_labels = l_1_values = l_1_platform = missing
    yield '\n]\n'

blocks = {}
debug_info = '3=25&4=31&6=38&9=50&11=52&12=58&13=60&14=62&15=64'