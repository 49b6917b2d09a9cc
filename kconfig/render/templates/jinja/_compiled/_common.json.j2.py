# Generated from _common.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/_common.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_metadata = l_0_probe = missing
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
    def macro(l_1_name, l_1_labels, l_1_annotations):
        t_3 = []
        if l_1_name is missing:
            l_1_name = undefined("parameter 'name' was not provided", name='name')
        if l_1_labels is missing:
            l_1_labels = undefined("parameter 'labels' was not provided", name='labels')
        if l_1_annotations is missing:
            l_1_annotations = None
        pass
        t_3.append(
            '{',
        )
        if l_1_annotations:
            pass
            t_3.extend((
                '"annotations": ',
                str(t_1(l_1_annotations)),
                ',',
            ))
        t_3.extend((
            '\n  "labels": ',
            str(t_1(l_1_labels)),
            ',\n  "name": ',
            str(t_1(l_1_name)),
            ' }',
        ))
        return concat(t_3)
    context.exported_vars.add('metadata')
    context.vars['metadata'] = l_0_metadata = Macro(environment, macro, 'metadata', ('name', 'labels', 'annotations'), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_spec, l_1_port_name):
        t_4 = []
        if l_1_spec is missing:
            l_1_spec = undefined("parameter 'spec' was not provided", name='spec')
        if l_1_port_name is missing:
            l_1_port_name = 'http'
        pass
        t_4.append(
            '{',
        )
        def t_5(fiter):
            for l_2_key in fiter:
                if (not t_2(context.call(environment.getattr(l_1_spec, 'get'), l_2_key))):
                    yield l_2_key
        for l_2_key in t_5(['failureThreshold', 'initialDelaySeconds', 'periodSeconds', 'successThreshold', 'timeoutSeconds']):
            _loop_vars = {}
            pass
            t_4.extend((
                str(t_1(l_2_key)),
                ': ',
                str(t_1(environment.getitem(l_1_spec, l_2_key))),
                ',',
            ))
        l_2_key = missing
        t_4.extend((
            '\n  "httpGet": {"path": ',
            str(t_1(context.call(environment.getattr(l_1_spec, 'get'), 'path', '/'))),
            ', "port": ',
            str(t_1(context.call(environment.getattr(l_1_spec, 'get'), 'port', l_1_port_name))),
            '} }',
        ))
        return concat(t_4)
    context.exported_vars.add('probe')
    context.vars['probe'] = l_0_probe = Macro(environment, macro, 'probe', ('spec', 'port_name'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '8=24&9=36&10=45&11=47&14=53&15=63&16=79'