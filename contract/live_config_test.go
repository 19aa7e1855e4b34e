package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm/secrettest"
)

func TestLiveConfigFromEnv(t *testing.T) {
	lookup := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name     string
		env      map[string]string
		endpoint string
		probe    bool
		err      string
	}{
		{"nothing set", map[string]string{"SCM_REGION": "cn-north-4"}, "", false, "no credentials for the live run"},
		{"AK/SK and region", map[string]string{"HUAWEICLOUD_SDK_AK": testAK, "HUAWEICLOUD_SDK_SK": testSK, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_REGION": "eu-west-101"},
			"https://scm.eu-west-101.myhuaweicloud.eu", true, ""},
		{"endpoint wins over region", map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_REGION": "cn-north-4", "SCM_ENDPOINT": "http://127.0.0.1:9"},
			"http://127.0.0.1:9", true, ""},
		{"a real cert ID", map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_ENDPOINT": "http://h", "SCM_CERT_ID": certID},
			"http://h", false, ""},
		{"AK without SK", map[string]string{"HUAWEICLOUD_SDK_AK": testAK, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_REGION": "cn-north-4"}, "", false, "missing HUAWEICLOUD_SDK_SK"},
		{"token without project", map[string]string{"SCM_AUTH_TOKEN": testToken, "SCM_REGION": "cn-north-4"}, "", false, "HUAWEICLOUD_SDK_PROJECT_ID is not"},
		{"no endpoint", map[string]string{"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID}, "", false, "set SCM_REGION or SCM_ENDPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := contract.LiveConfigFromEnv(lookup(tt.env))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.NotContains(t, err.Error(), testSK)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.endpoint, cfg.Endpoint)
			require.Equal(t, tt.probe, cfg.Probe())
			red, err := cfg.Redactor()
			require.NoError(t, err)
			for _, secret := range []string{testAK, testSK, testToken, projectID} {
				in := "x" + secret + "y"
				if strings.Contains(fmt.Sprint(tt.env), secret) {
					require.NotContains(t, red.Redact(in), secret, "the Redactor removes each value set")
				} else {
					require.Equal(t, in, red.Redact(in), "and only those")
				}
			}
			require.Len(t, cfg.ClientOptions(), 1)
			for form, out := range secrettest.Forms(cfg) {
				require.NotContains(t, out, testSK, form)
				require.NotContains(t, out, testToken, form)
			}
		})
	}
}

// TestLiveConfigNeverPrintsSecrets prints a LiveConfig, signing with a
// security token or sending an IAM token, in every way a program might
// (fmt's verbs on the value and a pointer, encoding/json, log/slog's text
// and JSON handlers): no form shows a secret, each shows REDACTED.
func TestLiveConfigNeverPrintsSecrets(t *testing.T) {
	const securityToken = "temporary-security-token-value"
	for name, env := range map[string]map[string]string{
		"AK/SK": {"HUAWEICLOUD_SDK_AK": testAK, "HUAWEICLOUD_SDK_SK": testSK, "HUAWEICLOUD_SDK_SECURITY_TOKEN": securityToken,
			"HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_ENDPOINT": "http://127.0.0.1:9"},
		"token": {"SCM_AUTH_TOKEN": testToken, "HUAWEICLOUD_SDK_PROJECT_ID": projectID, "SCM_ENDPOINT": "http://127.0.0.1:9"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := contract.LiveConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			require.NoError(t, err)
			for form, out := range secrettest.Forms(*cfg) {
				for _, secret := range []string{testAK, testSK, securityToken, testToken} {
					require.NotContains(t, out, secret, "LiveConfig rendered as %s shows a secret", form)
				}
				require.Contains(t, out, "REDACTED", form)
			}
		})
	}
}
