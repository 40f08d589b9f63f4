package main

import (
	"encoding/json"
	"fmt"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	triggersv1beta1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1beta1"
	celinterceptor "github.com/tektoncd/triggers/pkg/interceptors/cel"
	"github.com/tektoncd/triggers/pkg/template"
)

// expandTriggerTemplate renders a TriggerTemplate's resourcetemplates with Triggers' own substitution
// (template.ResolveResources, what the EventListener sink does per event) and admits each result as a created object.
//
// Param values: a param's default, else `placeholder-<name>`. The values an event would bind are not known here; a
// template whose objects are valid only for some values of a param without a default is not fully checked, which
// the summary line cannot show, so keep run-shaping values (pipelineRef, timeouts) out of params.
func (v *validator) expandTriggerTemplate(o *object) {
	tt := &triggersv1beta1.TriggerTemplate{}
	if err := strictDecode(o, tt); err != nil {
		return // already reported by admitObject
	}
	params := make([]triggersv1beta1.Param, 0, len(tt.Spec.Params))
	for _, p := range tt.Spec.Params {
		value := "placeholder-" + p.Name
		if p.Default != nil {
			value = *p.Default
		}
		params = append(params, triggersv1beta1.Param{Name: p.Name, Value: value})
	}
	for i, raw := range template.ResolveResources(tt, params) {
		field := fmt.Sprintf("spec.resourcetemplates[%d]", i)
		var generic map[string]any
		if err := json.Unmarshal(raw, &generic); err != nil {
			v.add(o.problem(field, "does not decode after param substitution: %v", err))
			continue
		}
		// What the API server does before any webhook sees the object: the EventListener creates it in its own
		// namespace (the template's), and a generateName becomes a name.
		meta, _ := generic["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			generic["metadata"] = meta
		}
		if ns, _ := meta["namespace"].(string); ns == "" {
			meta["namespace"] = tt.Namespace
		}
		if name, _ := meta["name"].(string); name == "" {
			if gen, _ := meta["generateName"].(string); gen != "" {
				meta["name"] = gen + "x0x0x"
			}
		}
		raw, _ = json.Marshal(generic)
		inner := &object{File: o.File}
		if err := json.Unmarshal(raw, inner); err != nil {
			v.add(o.problem(field, "does not decode after param substitution: %v", err))
			continue
		}
		inner.Raw = raw
		// Triggers creates non-Tekton kinds too, when the listener's ServiceAccount may (docs/triggertemplates.md):
		// okd-ci's push records are ConfigMaps, admitted as the API server admits them.
		if inner.APIVersion == "v1" && inner.Kind == "ConfigMap" {
			located := &object{File: o.File, APIVersion: o.APIVersion, Kind: o.Kind, Metadata: o.Metadata, Raw: raw}
			v.admitConfigMap(located, inner, field)
			continue
		}
		obj := newWebhookObject(inner.APIVersion, inner.Kind)
		if obj == nil {
			v.add(o.problem(field, "%s %s is not a Tekton kind this validator checks", inner.APIVersion, inner.Kind))
			continue
		}
		// Problems in a resourcetemplate name the template, which is what a reader finds in the file.
		located := &object{File: o.File, APIVersion: o.APIVersion, Kind: o.Kind, Metadata: o.Metadata, Raw: raw}
		if !v.admitWebhook(located, obj, field) {
			continue
		}
		if pr, ok := obj.(*pipelinev1.PipelineRun); ok {
			v.runs = append(v.runs, pipelineRunSource{run: pr, origin: located, field: field})
		}
	}
}

// checkEventListeners resolves every trigger of every EventListener to its bindings and template the way the sink
// does (template.ResolveTrigger): a missing TriggerBinding or TriggerTemplate fails every event at run time.
func (v *validator) checkEventListeners() {
	bindings := map[string]*triggersv1beta1.TriggerBinding{}
	templates := map[string]*triggersv1beta1.TriggerTemplate{}
	clusterBindings := map[string]*triggersv1beta1.ClusterTriggerBinding{}
	clusterInterceptors := map[string]bool{}
	var listeners []*object
	for _, o := range v.objects {
		switch o.APIVersion + "/" + o.Kind {
		case "triggers.tekton.dev/v1beta1/TriggerBinding":
			b := &triggersv1beta1.TriggerBinding{}
			if strictDecode(o, b) == nil {
				bindings[key(b.Namespace, b.Name)] = b
			}
		case "triggers.tekton.dev/v1beta1/ClusterTriggerBinding":
			b := &triggersv1beta1.ClusterTriggerBinding{}
			if strictDecode(o, b) == nil {
				clusterBindings[b.Name] = b
			}
		case "triggers.tekton.dev/v1beta1/TriggerTemplate":
			t := &triggersv1beta1.TriggerTemplate{}
			if strictDecode(o, t) == nil {
				templates[key(t.Namespace, t.Name)] = t
			}
		case "triggers.tekton.dev/v1beta1/EventListener":
			listeners = append(listeners, o)
		case "triggers.tekton.dev/v1alpha1/ClusterInterceptor":
			clusterInterceptors[o.Metadata.Name] = true
		}
	}
	for _, o := range listeners {
		el := &triggersv1beta1.EventListener{}
		if strictDecode(o, el) != nil {
			continue
		}
		ns := el.Namespace
		for i, elt := range el.Spec.Triggers {
			if elt.TriggerRef != "" || elt.Template == nil {
				continue
			}
			trigger := triggersv1beta1.Trigger{Spec: triggersv1beta1.TriggerSpec{Bindings: elt.Bindings, Template: *elt.Template}}
			_, err := template.ResolveTrigger(trigger,
				func(name string) (*triggersv1beta1.TriggerBinding, error) {
					if b, ok := bindings[key(ns, name)]; ok {
						return b, nil
					}
					return nil, fmt.Errorf("TriggerBinding %s/%s is not among the objects", ns, name)
				},
				func(name string) (*triggersv1beta1.ClusterTriggerBinding, error) {
					if b, ok := clusterBindings[name]; ok {
						return b, nil
					}
					return nil, fmt.Errorf("ClusterTriggerBinding %s is not among the objects", name)
				},
				func(name string) (*triggersv1beta1.TriggerTemplate, error) {
					if t, ok := templates[key(ns, name)]; ok {
						return t, nil
					}
					return nil, fmt.Errorf("TriggerTemplate %s/%s is not among the objects", ns, name)
				})
			if err != nil {
				v.add(o.problem(fmt.Sprintf("spec.triggers[%d]", i), "%v", err))
			}
			for j, ic := range elt.Interceptors {
				if ic == nil || ic.Webhook != nil {
					continue
				}
				v.checkInterceptor(o, fmt.Sprintf("spec.triggers[%d].interceptors[%d]", i, j), ns, elt.Name, ic, clusterInterceptors)
			}
		}
	}
}

// coreInterceptors are the ClusterInterceptors Triggers' interceptors.yaml installs (config/interceptors/
// core-interceptors.yaml at v0.37.0); the site applies that manifest, so they are not among the rendered objects.
var coreInterceptors = map[string]bool{"cel": true, "bitbucket": true, "slack": true, "github": true, "gitlab": true}

// checkInterceptor checks that a trigger's interceptor exists and, for the CEL interceptor, that its filter and
// overlays compile: it runs Triggers' own CEL interceptor (pkg/interceptors/cel) on an empty event, where an
// expression that does not parse or type-check fails ("failed to parse expression", "check failed") before any
// evaluation, while a filter that is merely false for an empty body is not a problem.
func (v *validator) checkInterceptor(o *object, field, ns, trigger string, ic *triggersv1beta1.EventInterceptor, cluster map[string]bool) {
	name, kind := ic.Ref.Name, ic.Ref.Kind
	if kind == "" || kind == triggersv1beta1.ClusterInterceptorKind {
		if !coreInterceptors[name] && !cluster[name] {
			v.add(o.problem(field+".ref.name", "ClusterInterceptor %q is neither a core interceptor nor among the objects", name))
			return
		}
	}
	if name != "cel" {
		return
	}
	params := map[string]any{}
	for _, p := range ic.Params {
		var value any
		if err := json.Unmarshal(p.Value.Raw, &value); err != nil {
			v.add(o.problem(field+".params", "param %s is not JSON: %v", p.Name, err))
			return
		}
		params[p.Name] = value
	}
	resp := celinterceptor.NewInterceptor(nil).Process(v.ctx, &triggersv1beta1.InterceptorRequest{
		Body:              "{}",
		Header:            map[string][]string{},
		InterceptorParams: params,
		Context:           &triggersv1beta1.TriggerContext{EventURL: "http://listener", EventID: "validate", TriggerID: "namespaces/" + ns + "/triggers/" + trigger},
	})
	if resp != nil && resp.Status.Message != "" &&
		(strings.Contains(resp.Status.Message, "failed to parse expression") || strings.Contains(resp.Status.Message, "check failed") ||
			strings.Contains(resp.Status.Message, "failed to parse interceptor params")) {
		v.add(o.problem(field+".params", "%s", resp.Status.Message))
	}
}
