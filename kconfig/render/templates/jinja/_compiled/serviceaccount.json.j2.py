# Generated from serviceaccount.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/serviceaccount.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_platform = resolve('platform')
    l_0_labels = resolve('labels')
    l_0_metadata = missing
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/serviceaccount.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'kconfig:templates/jinja/serviceaccount.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    if environment.getattr((undefined(name='platform') if l_0_platform is missing else l_0_platform), 'serviceAccount'):
        pass
        yield '{ "apiVersion": "v1",\n  "kind": "ServiceAccount",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(environment.getattr((undefined(name='platform') if l_0_platform is missing else l_0_platform), 'serviceAccount'), 'name'), (undefined(name='labels') if l_0_labels is missing else l_0_labels), environment.getattr(environment.getattr((undefined(name='platform') if l_0_platform is missing else l_0_platform), 'serviceAccount'), 'annotations')))
        yield ' }'
    yield '\n'

blocks = {}
debug_info = '3=14&4=20&7=23'