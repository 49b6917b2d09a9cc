# Generated from networkpolicy.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/networkpolicy.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_values = resolve('values')
    l_0_name = resolve('name')
    l_0_labels = resolve('labels')
    l_0_selector = resolve('selector')
    l_0_metadata = l_0_np = missing
    try:
        t_1 = environment.filters['tojson']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'tojson' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/networkpolicy.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 4 in 'kconfig:templates/jinja/networkpolicy.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    l_0_np = environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'networkPolicy')
    context.vars['np'] = l_0_np
    context.exported_vars.add('np')
    if environment.getattr((undefined(name='np') if l_0_np is missing else l_0_np), 'enabled'):
        pass
        yield '{ "apiVersion": "networking.k8s.io/v1",\n  "kind": "NetworkPolicy",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), (undefined(name='name') if l_0_name is missing else l_0_name), (undefined(name='labels') if l_0_labels is missing else l_0_labels)))
        yield ',\n  "spec": {\n    "ingress": ['
        if context.call(environment.getattr((undefined(name='np') if l_0_np is missing else l_0_np), 'get'), 'allowFrom'):
            pass
            yield '{"from": ['
            l_1_loop = missing
            for l_1_peer, l_1_loop in LoopContext((context.call(environment.getattr((undefined(name='np') if l_0_np is missing else l_0_np), 'get'), 'allowFrom') or []), undefined):
                _loop_vars = {}
                pass
                if context.call(environment.getattr(l_1_peer, 'get'), 'app', _loop_vars=_loop_vars):
                    pass
                    yield '{"podSelector": {"matchLabels": {"app.kubernetes.io/name": '
                    yield str(t_1(environment.getattr(l_1_peer, 'app')))
                    yield '}}}'
                else:
                    pass
                    yield '{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": '
                    yield str(t_1(environment.getattr(l_1_peer, 'namespace')))
                    yield '}}}'
                yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 15 in 'kconfig:templates/jinja/networkpolicy.json.j2' evaluated to false and no else section was defined.")))
            l_1_loop = l_1_peer = missing
            yield '],\n      "ports": [{"port": '
            yield str(t_1(environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'portName')))
            yield ', "protocol": "TCP"}]}'
        yield '],\n    "podSelector": {"matchLabels": '
        yield str(t_1((undefined(name='selector') if l_0_selector is missing else l_0_selector)))
        yield '},\n    "policyTypes": ["Ingress"] } }'
    yield '\n'

blocks = {}
debug_info = '4=22&5=28&6=31&9=34&11=36&12=40&13=43&14=51&15=53&17=56&18=59'