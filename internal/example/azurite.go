package example

// The storage emulator hook: Azurite, the Azure Storage emulator, run for the demo and the
// tests, and seeded with page blobs that stand in for the public RHCOS VHDs.

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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/aro-releasekit/releasekit/internal/proc"
)

// AzuriteCommand is Azurite's blob-only server.
const AzuriteCommand = "azurite-blob"

// ErrAzuriteNotInstalled is returned by FindAzurite when Azurite is neither on PATH nor installed in the module.
var ErrAzuriteNotInstalled = errors.New("azurite-blob is not installed: run (cd testdata/azurite && npm ci) or put azurite-blob on PATH")

// FindAzurite returns the azurite-blob command: from PATH, else from testdata/azurite/node_modules/.bin
// of the module that contains dir.
func FindAzurite(dir string) (string, error) {
	if p, err := exec.LookPath(AzuriteCommand); err == nil {
		return p, nil
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(d, "testdata", "azurite", "node_modules", ".bin", AzuriteCommand)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return "", ErrAzuriteNotInstalled
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ErrAzuriteNotInstalled
		}
		d = parent
	}
}

// Azurite is one Azurite blob service on a free loopback port, with its own account and a
// random key, its data in memory.
type Azurite struct {
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

// StartAzurite runs bin (azurite-blob) until Stop.
func StartAzurite(ctx context.Context, bin string) (*Azurite, error) {
	dir, err := os.MkdirTemp("", "releasekit-azurite-")
	if err != nil {
		return nil, err
	}
	keyBytes := make([]byte, 64)
	if _, err := crand.Read(keyBytes); err != nil {
		return nil, err
	}
	s := &Azurite{Account: "releasekittest", Key: base64.StdEncoding.EncodeToString(keyBytes), dir: dir, done: make(chan struct{}), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd := proc.Command(context.Background(), dir, []string{"AZURITE_ACCOUNTS=" + s.Account + ":" + s.Key, "HOME=" + dir, "TMPDIR=" + dir}, bin,
		"--blobHost", "127.0.0.1", "--blobPort", "0",
		"--inMemoryPersistence", "--extentMemoryLimit", "256",
		"--skipApiVersionCheck", "--loose", "--disableTelemetry", "--disableProductStyleUrl", "--silent")
	// Azurite's telemetry and caches go under HOME and TMPDIR (above): keep them in our temp
	// dir. It runs in a process group of its own until Stop.
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

func (s *Azurite) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Stop ends Azurite (its data was in memory) and removes its directory.
func (s *Azurite) Stop() {
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

// Service is a client of the account's blob service, with the account key.
func (s *Azurite) Service() (*service.Client, error) {
	cred, err := service.NewSharedKeyCredential(s.Account, s.Key)
	if err != nil {
		return nil, err
	}
	return service.NewClientWithSharedKeyCredential(s.Endpoint+"/", cred, nil)
}

// SeedVHD uploads a page blob of size bytes (a multiple of 512) into a container with public
// read access, as the public RHCOS VHDs are, and returns its anonymous URL and its content.
func (s *Azurite) SeedVHD(ctx context.Context, containerName, name string, size int) (string, []byte, error) {
	return s.seedVHD(ctx, containerName, name, size, true)
}

// SeedPrivateVHD is SeedVHD into a private container; read it through SourceSAS.
func (s *Azurite) SeedPrivateVHD(ctx context.Context, containerName, name string, size int) ([]byte, error) {
	_, data, err := s.seedVHD(ctx, containerName, name, size, false)
	return data, err
}

func (s *Azurite) seedVHD(ctx context.Context, containerName, name string, size int, public bool) (string, []byte, error) {
	if size <= 0 || size%512 != 0 {
		return "", nil, fmt.Errorf("page blob size %d is not a positive multiple of 512", size)
	}
	svc, err := s.Service()
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
	data := VHDContent(name, size)
	const chunk = 4 << 20
	for off := 0; off < size; off += chunk {
		end := min(off+chunk, size)
		if _, err := pb.UploadPages(ctx, streaming.NopCloser(bytes.NewReader(data[off:end])), blob.HTTPRange{Offset: int64(off), Count: int64(end - off)}, nil); err != nil {
			return "", nil, fmt.Errorf("upload pages of %s: %w", name, err)
		}
	}
	return pb.URL(), data, nil
}

// VHDContent is the deterministic content of a seeded VHD: a readable header, then bytes that
// depend on the name, so that a copy of the wrong blob shows.
func VHDContent(name string, size int) []byte {
	data := make([]byte, size)
	var seed [32]byte
	copy(seed[:], name)
	r := rand.NewChaCha8(seed)
	_, _ = r.Read(data)
	copy(data, "RHCOS-TEST-VHD "+name+"\n")
	return data
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
