namespace AptP2P.Testing.Repositories;

/// <summary>A file whose bytes were damaged in place (same size); disposing puts the original bytes and mtime back.</summary>
public sealed class CorruptedFile : IDisposable
{
    private const int DamagedBytes = 4;

    private readonly byte[] _original;
    private readonly DateTime _originalLastWriteUtc;
    private bool _restored;

    private CorruptedFile(string path, byte[] original, DateTime originalLastWriteUtc)
    {
        Path = path;
        _original = original;
        _originalLastWriteUtc = originalLastWriteUtc;
    }

    public string Path { get; }

    internal static CorruptedFile Corrupt(string path)
    {
        var original = File.ReadAllBytes(path);
        if (original.Length == 0)
        {
            throw new InvalidOperationException($"Cannot corrupt {path}: it is empty.");
        }
        var lastWrite = File.GetLastWriteTimeUtc(path);
        var damaged = (byte[])original.Clone();
        var start = Math.Max(0, damaged.Length / 2 - DamagedBytes / 2);
        for (var i = start; i < Math.Min(damaged.Length, start + DamagedBytes); i++)
        {
            damaged[i] ^= 0xFF;
        }
        // Write in place (not replace) so the inode, owner and mode nginx sees stay the same.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Write(damaged);
        }
        return new CorruptedFile(path, original, lastWrite);
    }

    public void Restore()
    {
        if (_restored)
        {
            return;
        }
        using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Write(_original);
        }
        File.SetLastWriteTimeUtc(Path, _originalLastWriteUtc);
        _restored = true;
    }

    public void Dispose() => Restore();
}
