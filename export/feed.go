package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"xtrace/inspect"
	"xtrace/scap"
)

// ExportFile reads the capture at path through the state engine into x and
// closes x. Reading stops early, without error, when ctx is done.
func ExportFile(ctx context.Context, path string, x *Exporter) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	return Export(ctx, f, path, x)
}

// Export is ExportFile reading the capture from r; name is used in errors.
func Export(ctx context.Context, r io.Reader, name string, x *Exporter) error {
	rd, err := scap.NewReader(r)
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	defer rd.Close()
	in := inspect.New(rd.Header())
	section := rd.Section()
	var readErr error
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			break
		}
		sev, err := rd.Next()
		if err != nil {
			if err != io.EOF {
				readErr = fmt.Errorf("export: %s: %w", name, err)
			}
			break
		}
		if rd.Section() != section {
			section = rd.Section()
			in.Reset(rd.Header())
		}
		ev := in.Process(sev)
		if err := in.Err(); err != nil {
			if !errors.As(err, new(*inspect.StateError)) {
				err = fmt.Errorf("export: %s: %w", name, err)
			}
			readErr = err
			break
		}
		if err := x.Event(ev); err != nil {
			return err
		}
	}
	// What was read is written even when the capture ends badly, as a
	// replay prints the events before the error.
	if err := x.Close(); err != nil {
		return err
	}
	return readErr
}
