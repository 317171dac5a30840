package rhcos

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
)

// DefaultResourceGroup holds the ARO images storage account.
const DefaultResourceGroup = "images"

var (
	// ErrNoKey is returned when no account key can be had.
	ErrNoKey = errors.New("no storage account key")
	// ErrNoSubscription is returned by ARMKey without a subscription.
	ErrNoSubscription = errors.New("no Azure subscription given")
)

// KeySource gives the key of a storage account.
type KeySource interface {
	AccountKey(ctx context.Context, account string) (string, error)
}

// StaticKey is a key given directly (Azurite's, or one a pipeline already holds).
type StaticKey string

// AccountKey returns the key after checking that it is one (base64, as Azure hands them out).
func (k StaticKey) AccountKey(context.Context, string) (string, error) {
	if k == "" {
		return "", ErrNoKey
	}
	if _, err := base64.StdEncoding.DecodeString(string(k)); err != nil {
		// The decoder's error quotes a byte offset, not the key; still, say nothing of it.
		return "", fmt.Errorf("%w: the account key is not base64", ErrNoKey)
	}
	return string(k), nil
}

// ARMKey looks the account key up through Azure Resource Manager, as `az storage account keys
// list` does: the caller's identity needs listKeys on the account.
type ARMKey struct {
	SubscriptionID string
	// ResourceGroup defaults to "images".
	ResourceGroup string
	// Credential defaults to azidentity's default chain (environment, workload identity,
	// managed identity, Azure CLI, Azure Developer CLI).
	Credential azcore.TokenCredential
	// ClientOptions point the client elsewhere (another cloud, or a test server).
	ClientOptions *arm.ClientOptions
}

// AccountKey returns the first key of the account.
func (k ARMKey) AccountKey(ctx context.Context, account string) (string, error) {
	if k.SubscriptionID == "" {
		return "", ErrNoSubscription
	}
	rg := k.ResourceGroup
	if rg == "" {
		rg = DefaultResourceGroup
	}
	cred := k.Credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return "", fmt.Errorf("%w: azure credentials: %w", ErrNoKey, err)
		}
		cred = c
	}
	client, err := armstorage.NewAccountsClient(k.SubscriptionID, cred, k.ClientOptions)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoKey, err)
	}
	resp, err := client.ListKeys(ctx, rg, account, nil)
	if err != nil {
		return "", fmt.Errorf("%w: list keys of storage account %s in resource group %s: %w", ErrNoKey, account, rg, err)
	}
	for _, key := range resp.Keys {
		if key != nil && key.Value != nil && *key.Value != "" {
			return *key.Value, nil
		}
	}
	return "", fmt.Errorf("%w: storage account %s in resource group %s lists no keys", ErrNoKey, account, rg)
}
