// Package rhcostest is what the rhcos tests add to the example storage emulator: one Azurite
// shared by a test binary, skipped when it is not installed, and the checks the tests make on
// blobs and SAS URLs.
package rhcostest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/aro-releasekit/releasekit/internal/example"
)

// EnvRequire, set to 1 (as CI does), turns a missing Azurite from a skip into a failure.
const EnvRequire = "RELEASEKIT_TEST_REQUIRE_AZURITE"

// ErrNotInstalled is example.ErrAzuriteNotInstalled.
var ErrNotInstalled = example.ErrAzuriteNotInstalled

// Server is the example Azurite with the tests' extra operations.
type Server struct{ *example.Azurite }

// Find is example.FindAzurite.
func Find(dir string) (string, error) { return example.FindAzurite(dir) }

// Start is example.StartAzurite.
func Start(ctx context.Context, bin string) (*Server, error) {
	a, err := example.StartAzurite(ctx, bin)
	if err != nil {
		return nil, err
	}
	return &Server{a}, nil
}

// Content is example.VHDContent.
func Content(name string, size int) []byte { return example.VHDContent(name, size) }

// Env is the environment that points the rhcos:publish target at this server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"RELEASEKIT_BLOB_ENDPOINT":   s.Endpoint,
		"RELEASEKIT_STORAGE_ACCOUNT": s.Account,
		"RELEASEKIT_STORAGE_KEY":     s.Key,
	}
}

// SourceSAS returns a read-only SAS URL for a blob, as a private source would be handed out.
func (s *Server) SourceSAS(containerName, name string) (string, error) {
	svc, err := s.Service()
	if err != nil {
		return "", err
	}
	return svc.NewContainerClient(containerName).NewBlobClient(name).GetSASURL(sas.BlobPermissions{Read: true}, time.Now().Add(time.Hour), nil)
}

// SeedBlockBlob uploads a block blob (not a VHD a Partner Center offer can take) with public read access.
func (s *Server) SeedBlockBlob(ctx context.Context, containerName, name string, data []byte) (string, error) {
	svc, err := s.Service()
	if err != nil {
		return "", err
	}
	cont := svc.NewContainerClient(containerName)
	access := container.PublicAccessTypeBlob
	if _, err := cont.Create(ctx, &container.CreateOptions{Access: &access}); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return "", fmt.Errorf("create container %s: %w", containerName, err)
	}
	bb := cont.NewBlockBlobClient(name)
	if _, err := bb.UploadBuffer(ctx, data, nil); err != nil {
		return "", err
	}
	return bb.URL(), nil
}

// DeleteBlob removes a blob (to fake a missing source, or to start over).
func (s *Server) DeleteBlob(ctx context.Context, containerName, name string) error {
	svc, err := s.Service()
	if err != nil {
		return err
	}
	_, err = svc.NewContainerClient(containerName).NewBlobClient(name).Delete(ctx, nil)
	return err
}

// BlobProperties reads a blob's properties with the account key.
func (s *Server) BlobProperties(ctx context.Context, containerName, name string) (blob.GetPropertiesResponse, error) {
	svc, err := s.Service()
	if err != nil {
		return blob.GetPropertiesResponse{}, err
	}
	return svc.NewContainerClient(containerName).NewBlobClient(name).GetProperties(ctx, nil)
}

// Get reads a URL with a plain GET, the way Partner Center reads a SAS URL.
func Get(ctx context.Context, url string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared starts one Azurite for the test binary on first use; TestMain calls StopShared. When
// Azurite is not installed the test is skipped, unless RELEASEKIT_TEST_REQUIRE_AZURITE=1.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() {
		wd, _ := os.Getwd()
		bin, err := Find(wd)
		if err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = Start(context.Background(), bin)
	})
	if shared.err != nil {
		if errors.Is(shared.err, ErrNotInstalled) && os.Getenv(EnvRequire) != "1" {
			tb.Skipf("skipping: %v (set %s=1 to make this a failure)", shared.err, EnvRequire)
		}
		tb.Fatalf("azurite: %v", shared.err)
	}
	return shared.srv
}

// StopShared stops the Azurite that Shared started, if any.
func StopShared() {
	if shared.srv != nil {
		shared.srv.Stop()
	}
}
