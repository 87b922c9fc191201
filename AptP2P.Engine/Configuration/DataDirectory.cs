namespace AptP2P.Engine.Configuration;

/// <summary>The node's data directory and the fixed layout inside it (DESIGN.md, "Data kept").</summary>
public sealed class DataDirectory
{
    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Cache = Path.Combine(Root, "cache");
        Partial = Path.Combine(Root, "partial");
        Database = Path.Combine(Root, "aptp2p.db");
        Settings = Path.Combine(Root, "settings.json");
    }

    public string Root { get; }
    /// <summary>Content-addressed files: <c>cache/ab/abcdef…</c>.</summary>
    public string Cache { get; }
    /// <summary>Transfers in progress; emptied at start.</summary>
    public string Partial { get; }
    public string Database { get; }
    public string Settings { get; }

    public string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return Path.Combine(Cache, hex[..2], hex);
    }

    public string NewPartialPath() => Path.Combine(Partial, Guid.NewGuid().ToString("N") + ".part");

    public void EnsureCreated()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Cache);
        Directory.CreateDirectory(Partial);
    }

    /// <summary>The unprivileged default: <c>$XDG_CACHE_HOME/aptp2p</c>, else <c>~/.cache/aptp2p</c>.</summary>
    public static string DefaultRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "aptp2p");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
            home = Path.GetTempPath();
        return Path.Combine(home, ".cache", "aptp2p");
    }

    public static DataDirectory FromOptions(AptP2POptions options) =>
        new(string.IsNullOrWhiteSpace(options.DataDirectory) ? DefaultRoot() : options.DataDirectory);
}
