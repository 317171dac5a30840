// Package rhcostest runs Azurite, the Azure Storage emulator, for the rhcos tests and the demo,
// and seeds it with page blobs that stand in for the public RHCOS VHDs.
package rhcostest

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// EnvRequire, set to 1 (as CI does), turns a missing Azurite from a skip into a failure.
const EnvRequire = "RELEASEKIT_TEST_REQUIRE_AZURITE"

// Command is Azurite's blob-only server.
const Command = "azurite-blob"

// ErrNotInstalled is returned by Find when Azurite is neither on PATH nor installed in the module.
var ErrNotInstalled = errors.New("azurite-blob is not installed: run (cd testdata/azurite && npm ci) or put azurite-blob on PATH")

// Find returns the azurite-blob command: from PATH, else from testdata/azurite/node_modules/.bin
// of the module that contains dir.
func Find(dir string) (string, error) {
	if p, err := exec.LookPath(Command); err == nil {
		return p, nil
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(d, "testdata", "azurite", "node_modules", ".bin", Command)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return "", ErrNotInstalled
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ErrNotInstalled
		}
		d = parent
	}
}

// Server is one Azurite blob service on a free loopback port, with its own account and a
// random key, its data in memory.
type Server struct {
	// Endpoint is the account's blob service URL (path style): http://127.0.0.1:PORT/ACCOUNT.
	Endpoint string
	Account  string
	Key      string

	cmd  *exec.Cmd
	done chan struct{}
	dir  string
	log  *bytes.Buffer
	mu   *sync.Mutex
}

var listensRE = regexp.MustCompile(`listens on (http://127\.0\.0\.1:\d+)`)

// Start runs bin (azurite-blob) until Stop.
func Start(ctx context.Context, bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "releasekit-azurite-")
	if err != nil {
		return nil, err
	}
	keyBytes := make([]byte, 64)
	if _, err := crand.Read(keyBytes); err != nil {
		return nil, err
	}
	s := &Server{Account: "releasekittest", Key: base64.StdEncoding.EncodeToString(keyBytes), dir: dir, done: make(chan struct{}), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1", "--blobPort", "0",
		"--inMemoryPersistence", "--extentMemoryLimit", "256",
		"--skipApiVersionCheck", "--loose", "--disableTelemetry", "--disableProductStyleUrl", "--silent")
	cmd.Dir = dir
	// Azurite's telemetry and caches go under HOME and TMPDIR: keep them in our temp dir.
	cmd.Env = append(os.Environ(), "AZURITE_ACCOUNTS="+s.Account+":"+s.Key, "HOME="+dir, "TMPDIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = lockedWriter{s.mu, s.log}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s.cmd = cmd
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listensRE.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(s.done)
	}()
	select {
	case base := <-found:
		s.Endpoint = base + "/" + s.Account
		return s, nil
	case <-s.done:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s exited before listening:\n%s", bin, s.output())
	case <-time.After(60 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("%s did not listen within 60s:\n%s", bin, s.output())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

func (s *Server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Stop ends Azurite (its data was in memory) and removes its directory.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	os.RemoveAll(s.dir)
}

// Env is the environment that points the rhcos:publish target at this server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"RELEASEKIT_BLOB_ENDPOINT":   s.Endpoint,
		"RELEASEKIT_STORAGE_ACCOUNT": s.Account,
		"RELEASEKIT_STORAGE_KEY":     s.Key,
	}
}

func (s *Server) service() (*service.Client, error) {
	cred, err := service.NewSharedKeyCredential(s.Account, s.Key)
	if err != nil {
		return nil, err
	}
	return service.NewClientWithSharedKeyCredential(s.Endpoint+"/", cred, nil)
}

// SeedVHD uploads a page blob of size bytes (a multiple of 512) into a container with public
// read access, as the public RHCOS VHDs are, and returns its anonymous URL and its content.
func (s *Server) SeedVHD(ctx context.Context, containerName, name string, size int) (string, []byte, error) {
	return s.seedVHD(ctx, containerName, name, size, true)
}

// SeedPrivateVHD is SeedVHD into a private container; read it through SourceSAS.
func (s *Server) SeedPrivateVHD(ctx context.Context, containerName, name string, size int) ([]byte, error) {
	_, data, err := s.seedVHD(ctx, containerName, name, size, false)
	return data, err
}

func (s *Server) seedVHD(ctx context.Context, containerName, name string, size int, public bool) (string, []byte, error) {
	if size <= 0 || size%512 != 0 {
		return "", nil, fmt.Errorf("page blob size %d is not a positive multiple of 512", size)
	}
	svc, err := s.service()
	if err != nil {
		return "", nil, err
	}
	cont := svc.NewContainerClient(containerName)
	var copts *container.CreateOptions
	if public {
		access := container.PublicAccessTypeBlob
		copts = &container.CreateOptions{Access: &access}
	}
	if _, err := cont.Create(ctx, copts); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return "", nil, fmt.Errorf("create container %s: %w", containerName, err)
	}
	pb := cont.NewPageBlobClient(name)
	if _, err := pb.Create(ctx, int64(size), nil); err != nil {
		return "", nil, fmt.Errorf("create page blob %s: %w", name, err)
	}
	data := Content(name, size)
	const chunk = 4 << 20
	for off := 0; off < size; off += chunk {
		end := min(off+chunk, size)
		if _, err := pb.UploadPages(ctx, streaming.NopCloser(bytes.NewReader(data[off:end])), blob.HTTPRange{Offset: int64(off), Count: int64(end - off)}, nil); err != nil {
			return "", nil, fmt.Errorf("upload pages of %s: %w", name, err)
		}
	}
	return pb.URL(), data, nil
}

// SourceSAS returns a read-only SAS URL for a blob, as a private source would be handed out.
func (s *Server) SourceSAS(containerName, name string) (string, error) {
	svc, err := s.service()
	if err != nil {
		return "", err
	}
	return svc.NewContainerClient(containerName).NewBlobClient(name).GetSASURL(sas.BlobPermissions{Read: true}, time.Now().Add(time.Hour), nil)
}

// SeedBlockBlob uploads a block blob (not a VHD a Partner Center offer can take) with public read access.
func (s *Server) SeedBlockBlob(ctx context.Context, containerName, name string, data []byte) (string, error) {
	svc, err := s.service()
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
	svc, err := s.service()
	if err != nil {
		return err
	}
	_, err = svc.NewContainerClient(containerName).NewBlobClient(name).Delete(ctx, nil)
	return err
}

// BlobProperties reads a blob's properties with the account key.
func (s *Server) BlobProperties(ctx context.Context, containerName, name string) (blob.GetPropertiesResponse, error) {
	svc, err := s.service()
	if err != nil {
		return blob.GetPropertiesResponse{}, err
	}
	return svc.NewContainerClient(containerName).NewBlobClient(name).GetProperties(ctx, nil)
}

// Content is the deterministic content of a seeded VHD: a readable header, then bytes that
// depend on the name, so that a copy of the wrong blob shows.
func Content(name string, size int) []byte {
	data := make([]byte, size)
	var seed [32]byte
	copy(seed[:], name)
	r := rand.NewChaCha8(seed)
	_, _ = r.Read(data)
	copy(data, "RHCOS-TEST-VHD "+name+"\n")
	return data
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
	shared.srv.Stop()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
