using System.Buffers.Binary;
using AptP2P.Engine.Dht;

namespace AptP2P.Engine.Discovery;

/// <summary>Why a discovery datagram was not taken.</summary>
public enum HelloProblem
{
    None,
    /// <summary>Not 36 or 68 bytes, or not our magic: not ours, or damaged.</summary>
    Malformed,
    /// <summary>Ours, but a version this node does not speak.</summary>
    UnknownVersion,
    /// <summary>Without a valid, fresh proof while this node has a swarm key, or with one while it has none (another swarm).</summary>
    OtherSwarm,
}

/// <summary>
/// One local-discovery datagram (docs/PROTOCOL-LAN.md §2): "a node with this DHT id serves HTTP and the DHT on this port at the
/// address this came from". 36 bytes, or 68 with the swarm proof:
/// <c>"APLD" · version 1 · flags · port (u16 BE) · node id (20) · unix seconds (i64 BE) [· HMAC-SHA256 of bytes 0–35]</c>.
/// </summary>
/// <param name="IsReply">An answer to a joining node's hello: never answered itself.</param>
/// <param name="Joining">Sent by a node whose discovery has just started (at launch, or after a change of mode, key or port): the others answer it at once.</param>
public sealed record LanHello(NodeId Id, int Port, long UnixSeconds, bool IsReply, bool Joining)
{
    public const int BaseLength = 36;
    public const int ProvenLength = BaseLength + 32;
    public const byte Version = 1;

    private const byte ProofFlag = 1;
    private const byte ReplyFlag = 2;
    private const byte JoiningFlag = 4;
    private const byte KnownFlags = ProofFlag | ReplyFlag | JoiningFlag;

    private static ReadOnlySpan<byte> Magic => "APLD"u8;

    public byte[] Encode(SwarmKey? key)
    {
        var datagram = new byte[key is null ? BaseLength : ProvenLength];
        Magic.CopyTo(datagram);
        datagram[4] = Version;
        datagram[5] = (byte)((key is null ? 0 : ProofFlag) | (IsReply ? ReplyFlag : 0) | (Joining ? JoiningFlag : 0));
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(6), (ushort)Port);
        Id.CopyTo(datagram.AsSpan(8, NodeId.Length));
        BinaryPrimitives.WriteInt64BigEndian(datagram.AsSpan(28), UnixSeconds);
        key?.Sign(datagram.AsSpan(0, BaseLength)).CopyTo(datagram.AsSpan(BaseLength));
        return datagram;
    }

    /// <summary>Reads a datagram; with a swarm key only a proven one whose time is within the window is taken.</summary>
    public static HelloProblem TryDecode(ReadOnlySpan<byte> datagram, SwarmKey? key, DateTimeOffset now, out LanHello? hello)
    {
        hello = null;
        if ((datagram.Length != BaseLength && datagram.Length != ProvenLength) || !datagram.StartsWith(Magic))
            return HelloProblem.Malformed;
        if (datagram[4] != Version)
            return HelloProblem.UnknownVersion;
        var flags = datagram[5];
        var proven = (flags & ProofFlag) != 0;
        var port = BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]);
        if (proven != (datagram.Length == ProvenLength) || (flags & ~KnownFlags) != 0 || (flags & (ReplyFlag | JoiningFlag)) == (ReplyFlag | JoiningFlag) || port == 0)
            return HelloProblem.Malformed;
        var seconds = BinaryPrimitives.ReadInt64BigEndian(datagram[28..]);
        if (key is null ? proven : !proven || !SwarmKey.IsFresh(seconds, now) || !key.Verifies(datagram[..BaseLength], datagram[BaseLength..]))
            return HelloProblem.OtherSwarm;
        hello = new LanHello(new NodeId(datagram.Slice(8, NodeId.Length)), port, seconds, (flags & ReplyFlag) != 0, (flags & JoiningFlag) != 0);
        return HelloProblem.None;
    }
}
