namespace AptP2P.Testing.Machine;

/// <summary>
/// A fresh directory under <c>/tmp/aptp2p-tests/</c>, readable by nginx workers (user nobody),
/// deleted on dispose unless <c>APTP2P_KEEP_TEST_FILES=1</c>.
/// </summary>
public sealed class TestPaths : IDisposable
{
    public const string BaseDirectory = "/tmp/aptp2p-tests";
    public const string KeepVariable = "APTP2P_KEEP_TEST_FILES";

    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private TestPaths(string root) => Root = root;

    public string Root { get; }

    public static bool KeepFiles => Environment.GetEnvironmentVariable(KeepVariable) == "1";

    /// <summary>Creates <c>/tmp/aptp2p-tests/&lt;purpose&gt;-&lt;random&gt;</c>.</summary>
    public static TestPaths Create(string purpose)
    {
        EnsureTraversable(BaseDirectory);
        var root = Path.Combine(BaseDirectory, $"{purpose}-{Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)}");
        EnsureTraversable(root);
        return new TestPaths(root);
    }

    /// <summary>Path of <paramref name="relative"/> inside <see cref="Root"/>.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Creates (if needed) a traversable subdirectory and returns its path.</summary>
    public string CreateDirectory(string relative)
    {
        var path = PathOf(relative);
        System.IO.Directory.CreateDirectory(path, Traversable);
        return path;
    }

    public void Dispose()
    {
        if (KeepFiles || !System.IO.Directory.Exists(Root))
        {
            return;
        }
        System.IO.Directory.Delete(Root, recursive: true);
    }

    public override string ToString() => Root;

    private static void EnsureTraversable(string path)
    {
        System.IO.Directory.CreateDirectory(path, Traversable);
        // CreateDirectory leaves an existing directory's mode alone, and umask may have narrowed a new one.
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }
}
