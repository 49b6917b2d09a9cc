# Generated from namespace.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/namespace.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_env = resolve('env')
    l_0_labels = resolve('labels')
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    yield '{ "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {'
    if environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'annotations'):
        pass
        yield '"annotations": '
        yield str(t_1(environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'annotations')))
        yield ','
    yield '"labels": '
    yield str(t_1((undefined(name='labels') if l_0_labels is missing else l_0_labels)))
    yield ', "name": '
    yield str(t_1(environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'namespace')))
    yield ' } }\n'

blocks = {}
debug_info = '4=20'