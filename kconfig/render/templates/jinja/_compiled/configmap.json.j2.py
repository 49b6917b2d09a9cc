# Generated from configmap.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/configmap.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_values = resolve('values')
    l_0_name = resolve('name')
    l_0_labels = resolve('labels')
    l_0_metadata = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/configmap.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 2 in 'kconfig:templates/jinja/configmap.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    if (context.call(environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'get'), 'configMap') and context.call(environment.getattr(environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'configMap'), 'get'), 'data')):
        pass
        yield '{ "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), str_join(((undefined(name='name') if l_0_name is missing else l_0_name), '-config', )), (undefined(name='labels') if l_0_labels is missing else l_0_labels)))
        yield ',\n  "data": '
        yield str(t_1(environment.getattr(environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'configMap'), 'data')))
        yield ' }'
    yield '\n'

blocks = {}
debug_info = '2=21&3=27&6=30&7=32'