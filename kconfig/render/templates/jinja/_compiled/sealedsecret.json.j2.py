# Generated from sealedsecret.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/sealedsecret.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_platform = resolve('platform')
    l_0_metadata = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/sealedsecret.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'kconfig:templates/jinja/sealedsecret.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    yield '['
    l_1_loop = missing
    for l_1_s, l_1_loop in LoopContext(environment.getattr((undefined(name='platform') if l_0_platform is missing else l_0_platform), 'sealedSecrets'), undefined):
        l_1_labels = resolve('labels')
        _loop_vars = {}
        pass
        yield '\n{ "apiVersion": "bitnami.com/v1alpha1",\n  "kind": "SealedSecret",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(l_1_s, 'name'), (undefined(name='labels') if l_1_labels is missing else l_1_labels), _loop_vars=_loop_vars))
        yield ',\n  "spec": '
        yield str(t_1(environment.getattr(l_1_s, 'spec')))
        yield ' }'
        yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 10 in 'kconfig:templates/jinja/sealedsecret.json.j2' evaluated to false and no else section was defined.")))
    l_1_loop = l_1_s = l_1_labels = missing
    yield '\n]\n'

blocks = {}
debug_info = '3=19&5=27&8=32&9=34&10=36'