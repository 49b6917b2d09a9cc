# Generated from virtualservice.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/virtualservice.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_plan = resolve('plan')
    l_0_metadata = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/virtualservice.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 5 in 'kconfig:templates/jinja/virtualservice.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    yield '['
    l_1_loop = missing
    for l_1_v, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'virtualServices'), undefined):
        l_1_labels = resolve('labels')
        l_1_values = resolve('values')
        _loop_vars = {}
        pass
        yield '\n{ "apiVersion": "networking.istio.io/v1beta1",\n  "kind": "VirtualService",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(l_1_v, 'name'), (undefined(name='labels') if l_1_labels is missing else l_1_labels), _loop_vars=_loop_vars))
        yield ',\n  "spec": {'
        if environment.getattr(l_1_v, 'parents'):
            pass
            yield '"gateways": '
            yield str(t_1(environment.getattr(l_1_v, 'parents')))
            yield ','
        yield '\n    "hosts": '
        yield str(t_1(environment.getattr(l_1_v, 'hosts')))
        yield ',\n    "http": [{"name": "primary",\n              "route": [{"destination": {"host": '
        yield str(t_1(environment.getattr(l_1_v, 'stable')))
        yield ', "port": {"number": '
        yield str(t_1(environment.getattr(environment.getattr((undefined(name='values') if l_1_values is missing else l_1_values), 'service'), 'port')))
        yield '}}, "weight": 100},\n                        {"destination": {"host": '
        yield str(t_1(environment.getattr(l_1_v, 'canary')))
        yield ', "port": {"number": '
        yield str(t_1(environment.getattr(environment.getattr((undefined(name='values') if l_1_values is missing else l_1_values), 'service'), 'port')))
        yield '}}, "weight": 0}]}] } }'
        yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 17 in 'kconfig:templates/jinja/virtualservice.json.j2' evaluated to false and no else section was defined.")))
    l_1_loop = l_1_v = l_1_labels = l_1_values = missing
    yield '\n]\n'

blocks = {}
debug_info = '5=19&7=27&10=33&12=35&13=41&15=43&16=47&17=51'