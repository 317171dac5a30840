// Package releasekit holds the end-to-end scripts that run the toolkit's targets as a user
// types them; the targets are in magefiles/ and their machinery in internal/.
package releasekit
