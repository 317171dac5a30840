package rhcos

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// armServer answers Storage's listKeys the way Azure Resource Manager does.
func armServer(t *testing.T, status int, body string) (*httptest.Server, *[]string) {
	var seen []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func armKey(srv *httptest.Server) ARMKey {
	return ARMKey{
		SubscriptionID: "00000000-1111-2222-3333-444444444444",
		Credential:     staticToken("token-for-test"),
		ClientOptions: &arm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: srv.URL,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: srv.URL, Audience: "https://management.core.windows.net/"},
				},
			},
			Transport: srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		}},
	}
}

func TestARMKeyListsTheAccountKeys(t *testing.T) {
	srv, seen := armServer(t, 200, `{"keys":[{"creationTime":"2024-01-01T00:00:00Z","keyName":"key1","permissions":"FULL","value":"a2V5MQ=="},{"keyName":"key2","permissions":"FULL","value":"a2V5Mg=="}]}`)
	key, err := armKey(srv).AccountKey(context.Background(), "openshiftimages")
	if err != nil {
		t.Fatal(err)
	}
	if key != "a2V5MQ==" {
		t.Errorf("key = %q, want key1's", key)
	}
	want := "POST /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/images/providers/Microsoft.Storage/storageAccounts/openshiftimages/listKeys Bearer token-for-test"
	if len(*seen) != 1 || (*seen)[0] != want {
		t.Errorf("requests = %q, want %q", *seen, want)
	}
}

func TestARMKeyErrors(t *testing.T) {
	if _, err := (ARMKey{}).AccountKey(context.Background(), "openshiftimages"); !errors.Is(err, ErrNoSubscription) {
		t.Errorf("no subscription: err = %v", err)
	}
	srv, _ := armServer(t, 403, `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listKeys/action'."}}`)
	_, err := armKey(srv).AccountKey(context.Background(), "openshiftimages")
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "list keys of storage account openshiftimages in resource group images") || !strings.Contains(err.Error(), "AuthorizationFailed") {
		t.Errorf("forbidden: err = %v", err)
	}
	srv2, _ := armServer(t, 200, `{"keys":[]}`)
	if _, err := armKey(srv2).AccountKey(context.Background(), "openshiftimages"); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "lists no keys") {
		t.Errorf("no keys: err = %v", err)
	}
	if _, err := StaticKey("not base64!").AccountKey(context.Background(), "a"); !errors.Is(err, ErrNoKey) || strings.Contains(err.Error(), "not base64!") {
		t.Errorf("bad static key: err = %v", err)
	}
}
