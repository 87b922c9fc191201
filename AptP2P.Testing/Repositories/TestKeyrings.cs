namespace AptP2P.Testing.Repositories;

/// <summary>
/// The directory of archive keys the test nodes trust (<c>AptP2P:Trust:Keyrings</c>): every <see cref="DebianRepository"/>
/// puts its signing key there while it exists, so the archives a test builds are <c>verified</c> by the nodes it starts
/// and an archive signed by any other key is not.
/// </summary>
public static class TestKeyrings
{
    public const string Directory = "/tmp/aptp2p-tests/trusted-keys";

    /// <summary>The setting every test node starts with (a test may give another list).</summary>
    public const string Setting = "AptP2P:Trust:Keyrings:0=" + Directory;

    /// <summary>Copies a binary keyring into <see cref="Directory"/>; disposing the result takes it out again.</summary>
    public static IDisposable Publish(string keyringPath)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var published = Path.Combine(Directory, $"{Guid.NewGuid():N}.gpg");
        File.Copy(keyringPath, published);
        return new Published(published);
    }

    private sealed class Published(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
