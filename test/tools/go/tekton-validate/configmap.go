package main

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/apis/core/validation"
)

// admitConfigMap is what the API server does with a ConfigMap create: strict decoding (unknown fields are an error
// under kubectl's and the sink's field validation alike, and a typo would silently drop data), core/v1 defaulting and
// conversion, then ValidateConfigMap (k8s.io/kubernetes pkg/apis/core/validation: object meta, data keys, size).
// `located` names the template, `src` is the rendered resourcetemplate.
func (v *validator) admitConfigMap(located, src *object, field string) {
	cm := &corev1.ConfigMap{}
	if err := strictDecode(src, cm); err != nil {
		v.add(located.problem(field, "does not decode as a v1 ConfigMap: %v", err))
		return
	}
	legacyscheme.Scheme.Default(cm)
	internal := &api.ConfigMap{}
	if err := legacyscheme.Scheme.Convert(cm, internal, nil); err != nil {
		v.add(located.problem(field, "does not convert: %v", err))
		return
	}
	for _, e := range validation.ValidateConfigMap(internal) {
		v.add(located.problem(field+"."+e.Field, "%s", e.ErrorBody()))
	}
}
