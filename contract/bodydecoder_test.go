package contract_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestRegisterJSONBodyDecoder checks that kin-openapi decodes JSON bodies
// with scm's rules once a validator exists, for every JSON media type, and
// that registering again, even concurrently, changes nothing.
func TestRegisterJSONBodyDecoder(t *testing.T) {
	newValidator(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(contract.RegisterJSONBodyDecoder)
	}
	wg.Wait()
	for _, mediaType := range []string{"application/json", "Application/JSON", "application/problem+json", "application/hal+json"} {
		t.Run(mediaType, func(t *testing.T) {
			decode := openapi3filter.RegisteredBodyDecoder(mediaType)
			require.NotNil(t, decode)
			for _, tt := range []struct{ body, why string }{
				{`{"a":1} garbage`, "trailing data"},
				{`{"a":1}{"a":1}`, "two values"},
				{`{"a":1,"a":2}`, "a repeated member"},
				{"\"\xff\"", "invalid UTF-8"},
				{"", "no value"},
			} {
				_, err := decode(strings.NewReader(tt.body), http.Header{}, nil, nil)
				require.ErrorIs(t, err, scm.ErrMalformedJSON, "must be refused: %s", tt.why)
			}
			got, err := decode(strings.NewReader(` {"a":[1e400,"s",null,true]} `), http.Header{}, nil, nil)
			require.NoError(t, err)
			require.Equal(t, map[string]any{"a": []any{json.Number("1e400"), "s", nil, true}}, got,
				"numbers are kept as sent, as kin-openapi's own decoder keeps them")
		})
	}
}
