package procfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// fixtureFiles reads the fixture task's files as the agent ships them.
func fixtureFiles(t testing.TB) *TaskFiles {
	dir := filepath.Join(fixture, "4242", "task", "4243")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f := &TaskFiles{Have: TaskArgs | TaskEnv | TaskLoginUID | TaskExeWritable | TaskCgroups, FDLimit: 1024}
	for i, name := range taskFileNames {
		if name != "" {
			f.Files[i] = read(name)
		}
	}
	f.ExeStatOK = unix.Stat(filepath.Join(dir, "exe"), &f.ExeStat) == nil
	return f
}

// TestTaskFrom parses the fixture task from its files and from its
// directory: the same Task, for each set of optional parts; files that
// lack a part the read wants are refused.
func TestTaskFrom(t *testing.T) {
	fs := NewFS(fixture)
	tests := []struct {
		name string
		want TaskFields
		edit func(*TaskFiles)
		ok   bool
	}{
		{"execve", TaskExecve, nil, true},
		{"clone", TaskClone, nil, true},
		{"base", 0, nil, true},
		{"no environ", TaskExecve, func(f *TaskFiles) { f.Have &^= TaskEnv }, false},
		{"no status", 0, func(f *TaskFiles) { f.Files[FileStatus] = nil }, false},
		{"cwd", TaskCwd, nil, false},
		{"unreadable loginuid", TaskExecve, func(f *TaskFiles) { f.Files[FileLoginUID] = nil }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fixtureFiles(t)
			if tc.edit != nil {
				tc.edit(f)
			}
			var got, want Task
			err := fs.TaskFrom(f, 4242, 4243, tc.want, &got)
			if !tc.ok {
				if err == nil {
					t.Fatalf("TaskFrom succeeded on files without what %#x needs", tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := fs.Task(4242, 4243, tc.want, &want); err != nil {
				t.Fatal(err)
			}
			if f.Files[FileLoginUID] == nil {
				want.LoginUID = -1
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("TaskFrom:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// FuzzTaskFrom feeds arbitrary status, stat and cmdline bytes to a Task
// read from files: it must not panic.
func FuzzTaskFrom(f *testing.F) {
	ff := fixtureFiles(f)
	f.Add(ff.Files[FileStatus], ff.Files[FileStat], ff.Files[FileCmdline])
	f.Add([]byte("Name:\ta\\nb\nNSpid:\t1\t2\n"), []byte("1 (x) R"), []byte{})
	f.Fuzz(func(t *testing.T, status, stat, cmdline []byte) {
		fs := NewFS(fixture)
		files := &TaskFiles{Have: TaskArgs, FDLimit: -1}
		files.Files[FileStatus], files.Files[FileStat], files.Files[FileCmdline] = status, stat, cmdline
		var task Task
		_ = fs.TaskFrom(files, 1, 1, TaskArgs, &task)
	})
}
