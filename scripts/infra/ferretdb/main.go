// Command ferretdb runs FerretDB v1 with its embedded SQLite backend (default) or its PostgreSQL
// backend (-handler=postgresql -postgresql-url=postgres://...) as a local, MongoDB-wire-compatible
// server for development and tests. Flag names follow FerretDB's own --handler / --postgresql-url.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` panics at start because the
// release build expects a generated version file; embedding the public package avoids that.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	_ "net/http/pprof" // served only when -pprof is given
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27018", "TCP address to listen on")
	dataDir := flag.String("data", "data", "directory for the SQLite databases")
	// SQLite's default (FULL) fsyncs the WAL on every commit. NORMAL in WAL mode still survives a
	// crash or SIGKILL of this process (committed pages are in the WAL); only an OS crash or power
	// loss may roll back the last commits. The local server trades that for write throughput.
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous pragma: full or normal")
	pprofAddr := flag.String("pprof", "", "serve Go pprof on this address (profiling the local server)")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	postgresqlURL := flag.String("postgresql-url", "", "PostgreSQL URL for -handler=postgresql")
	flag.Parse()

	if *handler != "sqlite" && *handler != "postgresql" {
		log.Fatalf("-handler must be sqlite or postgresql, got %q", *handler)
	}
	if *handler == "postgresql" && *postgresqlURL == "" {
		log.Fatal("-handler=postgresql needs -postgresql-url")
	}

	if *synchronous != "full" && *synchronous != "normal" {
		log.Fatalf("-synchronous must be full or normal, got %q", *synchronous)
	}
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, nil)) }()
	}

	config := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: *listen}, Handler: *handler}
	where := *dataDir
	if *handler == "postgresql" {
		config.PostgreSQLURL = *postgresqlURL
		where = "PostgreSQL"
	} else {
		if err := os.MkdirAll(*dataDir, 0o755); err != nil {
			log.Fatal(err)
		}
		config.SQLiteURL = "file:" + *dataDir + "/?" + url.Values{"_pragma": {"synchronous(" + *synchronous + ")"}}.Encode()
	}

	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log.Printf("ferretdb listening on %s (%s at %s)", *listen, *handler, where)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
