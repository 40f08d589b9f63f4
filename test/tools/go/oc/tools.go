//go:build tools

package tools

import _ "github.com/openshift/oc/cmd/oc"
