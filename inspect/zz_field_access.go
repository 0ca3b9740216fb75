package inspect

// AppendConcatPath appends what sinsp's concatenate_paths builds from a
// base directory and a path argument (read up to its first NUL): the path
// made absolute against base when it is relative, then normalised ("."
// and ".." folded, doubled and trailing '/' dropped, unprintable bytes
// turned into '.'). The field package uses it for evt.abspath.
func AppendConcatPath(dst []byte, base string, path []byte) []byte {
	dst, _ = concatPaths(dst, base, path[:indexNUL(path)], len(path), maxPathSize)
	return dst
}
