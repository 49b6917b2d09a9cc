# Generated from isolation.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/isolation.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_env = resolve('env')
    l_0_labels = resolve('labels')
    l_0_metadata = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/isolation.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 7 in 'kconfig:templates/jinja/isolation.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    yield '['
    if environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'isolation'):
        pass
        yield '{ "apiVersion": "networking.k8s.io/v1",\n  "kind": "NetworkPolicy",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), 'env-isolation', (undefined(name='labels') if l_0_labels is missing else l_0_labels)))
        yield ',\n  "spec": {\n    "ingress": ['
        if environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'allowNamespaces'):
            pass
            yield '{"from": ['
            l_1_loop = missing
            for l_1_ns, l_1_loop in LoopContext(environment.getattr((undefined(name='env') if l_0_env is missing else l_0_env), 'allowNamespaces'), undefined):
                _loop_vars = {}
                pass
                yield '{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": '
                yield str(t_1(l_1_ns))
                yield '}}}'
                yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 15 in 'kconfig:templates/jinja/isolation.json.j2' evaluated to false and no else section was defined.")))
            l_1_loop = l_1_ns = missing
            yield ']}'
        yield '],\n    "podSelector": {},\n    "policyTypes": ["Ingress"] } },\n{ "apiVersion": "networking.k8s.io/v1",\n  "kind": "NetworkPolicy",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), 'env-same-namespace', (undefined(name='labels') if l_0_labels is missing else l_0_labels)))
        yield ',\n  "spec": {\n    "ingress": [{"from": [{"podSelector": {}}]}],\n    "podSelector": {"matchExpressions": [{"key": "kconfig.dev/netpol", "operator": "DoesNotExist"}]},\n    "policyTypes": ["Ingress"] } }'
    yield '\n]\n'

blocks = {}
debug_info = '7=20&9=27&12=30&14=32&15=36&20=46'