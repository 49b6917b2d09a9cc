# Generated from analysistemplate.json.j2 by Jinja2 3.1.6 (python tools/compile_templates.py): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'kconfig:templates/jinja/analysistemplate.json.j2'

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
    included_template = environment.get_template('kconfig:templates/jinja/_common.json.j2', 'kconfig:templates/jinja/analysistemplate.json.j2')._get_default_module(context)
    l_0_metadata = getattr(included_template, 'metadata', missing)
    if l_0_metadata is missing:
        l_0_metadata = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'kconfig:templates/jinja/analysistemplate.json.j2') does not export the requested name 'metadata'", name='metadata')
    context.vars['metadata'] = l_0_metadata
    context.exported_vars.discard('metadata')
    yield '['
    l_1_loop = missing
    for l_1_t, l_1_loop in LoopContext(environment.getattr((undefined(name='plan') if l_0_plan is missing else l_0_plan), 'analysisTemplates'), undefined):
        l_1_labels = resolve('labels')
        l_1_m = missing
        _loop_vars = {}
        pass
        l_1_m = environment.getattr(l_1_t, 'metric')
        _loop_vars['m'] = l_1_m
        yield '\n{ "apiVersion": "argoproj.io/v1alpha1",\n  "kind": "AnalysisTemplate",\n  "metadata": '
        yield str(context.call((undefined(name='metadata') if l_0_metadata is missing else l_0_metadata), environment.getattr(l_1_t, 'name'), (undefined(name='labels') if l_1_labels is missing else l_1_labels), _loop_vars=_loop_vars))
        yield ',\n  "spec": {\n    "args": ['
        l_2_loop = missing
        for l_2_arg, l_2_loop in LoopContext(environment.getattr(l_1_t, 'args'), undefined):
            _loop_vars = {}
            pass
            yield '{"name": '
            yield str(t_1(l_2_arg))
            yield '}'
            yield str((',' if (not environment.getattr(l_2_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 11 in 'kconfig:templates/jinja/analysistemplate.json.j2' evaluated to false and no else section was defined.")))
        l_2_loop = l_2_arg = missing
        yield '],\n    "metrics": [{\n      "count": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'count')))
        yield ',\n      "failureLimit": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'failureLimit')))
        yield ',\n      "interval": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'interval')))
        yield ',\n      "name": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'name')))
        yield ',\n      "provider": {"prometheus": {"address": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'address')))
        yield ', "query": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'query')))
        yield '}},\n      "successCondition": '
        yield str(t_1(environment.getattr((undefined(name='m') if l_1_m is missing else l_1_m), 'successCondition')))
        yield ' }] } }'
        yield str((',' if (not environment.getattr(l_1_loop, 'last')) else cond_expr_undefined("the inline if-expression on line 19 in 'kconfig:templates/jinja/analysistemplate.json.j2' evaluated to false and no else section was defined.")))
    l_1_loop = l_1_t = l_1_m = l_1_labels = missing
    yield '\n]\n'

blocks = {}
debug_info = '3=19&5=27&6=32&9=35&11=38&13=47&14=49&15=51&16=53&17=55&18=59&19=61'