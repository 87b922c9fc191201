using System.Net;

namespace AptP2P.Engine.Dht.Krpc;

/// <summary>The query methods this node knows (BEP 5 and BEP 44); anything else is <see cref="Unknown"/> and answered with 204.</summary>
public enum KrpcMethod : byte
{
    Unknown,
    Ping,
    FindNode,
    GetPeers,
    AnnouncePeer,
    Get,
    Put,
}

/// <summary>KRPC error codes (BEP 5, BEP 44).</summary>
public static class KrpcErrorCode
{
    public const int Generic = 201;
    public const int Server = 202;
    public const int Protocol = 203;
    public const int MethodUnknown = 204;
    public const int ValueTooBig = 205;
    public const int InvalidSignature = 206;
    public const int SaltTooBig = 207;
    public const int CasMismatch = 301;
    public const int SequenceTooLow = 302;
}

/// <summary>BEP 32 <c>want</c>: which families of nodes a querier asks for (none given: the family of the socket asked).</summary>
[Flags]
public enum WantedFamilies : byte
{
    Default = 0,
    IPv4 = 1,
    IPv6 = 2,
}

/// <summary>A decoded KRPC datagram: a query, a response or an error.</summary>
public abstract record KrpcMessage(byte[] TransactionId);

/// <summary>
/// A query. One record serves every method because the methods share their arguments: each names at most one 20-byte key
/// (find_node's and get's <c>target</c>, get_peers' and announce_peer's <c>info_hash</c>, all in <see cref="Target"/>), so
/// the decoder reads the common part once and adds a method's few extra arguments, and the node answers by switching on
/// <see cref="Method"/>. Arguments of other methods stay unset.
/// </summary>
public sealed record KrpcQuery(byte[] TransactionId, KrpcMethod Method, NodeId SenderId) : KrpcMessage(TransactionId)
{
    public bool ReadOnly { get; init; }
    public NodeId Target { get; init; }
    /// <summary>find_node and get_peers: BEP 32's <c>want</c> (<c>n4</c>, <c>n6</c>).</summary>
    public WantedFamilies Want { get; init; }
    public int Port { get; init; }
    public bool ImpliedPort { get; init; }
    public byte[]? Token { get; init; }
    /// <summary>get: only send the item when the stored seq is newer than this.</summary>
    public long? Seq { get; init; }
    public PutArguments? Put { get; init; }
}

/// <summary>A BEP 44 put: <see cref="Value"/> is the bencoded <c>v</c> exactly as received (the signed bytes).</summary>
public sealed record PutArguments(byte[] Value, byte[]? Key, byte[]? Signature, byte[] Salt, long Seq, long? Cas)
{
    public bool IsMutable => Key is not null;
}

/// <summary>A response. KRPC responses do not name their method; the pending query decides how the fields are read.</summary>
public sealed record KrpcResponse(byte[] TransactionId, NodeId SenderId) : KrpcMessage(TransactionId)
{
    /// <summary>Nodes of both families: IPv4 ones travel in <c>nodes</c>, IPv6 ones in <c>nodes6</c> (BEP 32).</summary>
    public IReadOnlyList<NodeContact> Nodes { get; init; } = [];
    /// <summary>Peers of both families: 6-byte IPv4 and 18-byte IPv6 entries of <c>values</c>.</summary>
    public IReadOnlyList<IPEndPoint> Values { get; init; } = [];
    /// <summary>Entries of <c>nodes</c>, <c>nodes6</c> and <c>values</c> skipped as malformed (a partial entry, port 0, a wrong length).</summary>
    public int MalformedEntries { get; init; }
    public byte[]? Token { get; init; }
    /// <summary>BEP 42: our address as the responder saw it.</summary>
    public IPEndPoint? RequesterAddress { get; init; }
    public byte[]? Value { get; init; }
    public byte[]? Key { get; init; }
    public byte[]? Signature { get; init; }
    public long? Seq { get; init; }
}

public sealed record KrpcError(byte[] TransactionId, int Code, string Text) : KrpcMessage(TransactionId);
