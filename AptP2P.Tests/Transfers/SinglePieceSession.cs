using AptP2P.Engine;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Transfers;
using AptP2P.Engine.Transfers.Swarm;
using Microsoft.Win32.SafeHandles;

namespace AptP2P.Tests.Transfers;

/// <summary>A swarm session over a 1,000-byte file of one piece, its partial file in a directory of its own.</summary>
internal sealed class SinglePieceSession : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aptp2p-session-").FullName;
    private readonly SafeFileHandle _file;

    public SinglePieceSession(MirrorUrl url, TimeProvider time)
    {
        var content = new byte[1000];
        Hash = ContentHash.Compute(content);
        var partial = Path.Combine(_directory, "partial");
        File.WriteAllBytes(partial, content);
        Transfer = new Transfer("key", url, Hash, content.Length, partial, time.GetUtcNow());
        _file = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        Session = new SwarmSession(Transfer, PieceList.SinglePiece(Hash, content.Length), _file, time);
    }

    public ContentHash Hash { get; }
    public Transfer Transfer { get; }
    public SwarmSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        _file.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
