# Generated from ingress.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/ingress.json.j2'

def root(context, missing=missing, environment=environment):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_values = resolve('values')
    l_0_plan = resolve('plan')
    l_0_metadata = l_0_ing = missing
    try:
        t_1 = environment.filters['default']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'default' found.")
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
    try:
        t_4 = environment.tests['none']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No test named 'none' found.")
    pass
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/ingress.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'kconfig:templates/jinja/ingress.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    l_0_ing = environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'ingress')
    context.vars['ing'] = l_0_ing
    context.exported_vars.add('ing')
    yield '['
    l_1_loop = missing
    for l_1_i, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'ingresses'), undefined):
        l_1_dict = resolve('dict')
        l_1_host = resolve('host')
        l_1_name = resolve('name')
        l_1_labels = resolve('labels')
        l_1_annotations = l_1_h = l_1_secret = missing
        _loop_vars = {}
        pass
        l_1_annotations = context.call((undefined(name='dict') if l_1_dict is missing else l_1_dict), (context.call(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'get'), 'annotations', _loop_vars=_loop_vars) or {}), _loop_vars=_loop_vars, **environment.getattr(l_1_i, 'annotations'))
        _loop_vars['annotations'] = l_1_annotations
        l_1_h = (environment.getattr(l_1_i, 'host') if (not t_4(environment.getattr(l_1_i, 'host'))) else (undefined(name='host') if l_1_host is missing else l_1_host))
        _loop_vars['h'] = l_1_h
        l_1_secret = (environment.getattr(l_1_i, 'tlsSecret') if (not t_4(environment.getattr(l_1_i, 'tlsSecret'))) else (environment.getattr(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'tls'), 'secretName') if (t_3(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'tls')) and context.call(environment.getattr(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'tls'), 'get'), 'secretName', _loop_vars=_loop_vars)) else str_join(((undefined(name='name') if l_1_name is missing else l_1_name), '-tls', ))))
        _loop_vars['secret'] = l_1_secret
        yield '\n{ "apiVersion": "networking.k8s.io/v1",\n  "kind": "Ingress",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(l_1_i, 'name'), (undefined(name='labels') if l_1_labels is missing else l_1_labels), (undefined(name='annotations') if l_1_annotations is missing else l_1_annotations), _loop_vars=_loop_vars))
        yield ',\n  "spec": {'
        if context.call(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'get'), 'className', _loop_vars=_loop_vars):
            pass
            yield '"ingressClassName": '
            yield str(t_2(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'className')))
            yield ','
        if (context.call(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'get'), 'tls', _loop_vars=_loop_vars) and (undefined(name='h') if l_1_h is missing else l_1_h)):
            pass
            yield '"tls": [{"hosts": ['
            yield str(t_2((undefined(name='h') if l_1_h is missing else l_1_h)))
            yield '], "secretName": '
            yield str(t_2((undefined(name='secret') if l_1_secret is missing else l_1_secret)))
            yield '}],'
        yield '\n    "rules": [{'
        if (undefined(name='h') if l_1_h is missing else l_1_h):
            pass
            yield '"host": '
            yield str(t_2((undefined(name='h') if l_1_h is missing else l_1_h)))
            yield ','
        yield '\n      "http": {"paths": [{"backend": {"service": {"name": '
        yield str(t_2(environment.getattr(l_1_i, 'service')))
        yield ', "port": {"number": '
        yield str(t_2(environment.getattr(environment.getattr((undefined(name='values') if l_0_values is missing else l_0_values), 'service'), 'port')))
        yield '}}},\n                          "path": '
        yield str(t_2(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'path')))
        yield ', "pathType": '
        yield str(t_2(t_1(environment.getattr((undefined(name='ing') if l_0_ing is missing else l_0_ing), 'pathType'), 'Prefix')))
        yield '}]} }] } }'
        yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 19 in 'kconfig:templates/jinja/ingress.json.j2' evaluated to false and no else section was defined.")))
    l_1_loop = l_1_i = l_1_dict = l_1_annotations = l_1_host = l_1_h = l_1_name = l_1_secret = l_1_labels = missing
    yield '\n]\n'

blocks = {}
debug_info = '3=38&4=44&6=49&7=57&8=59&9=61&12=64&14=66&15=71&16=79&17=85&18=89&19=93'