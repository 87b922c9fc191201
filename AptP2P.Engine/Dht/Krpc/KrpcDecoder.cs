using System.Net;
using System.Text;
using AptP2P.Engine.Dht.Bencode;

namespace AptP2P.Engine.Dht.Krpc;

/// <summary>Turns a datagram into a <see cref="KrpcMessage"/>. Never throws on input: a packet is either understood or reported as a problem.</summary>
public static class KrpcDecoder
{
    public const int MaxTransactionIdLength = 32;
    public const int MaxTokenLength = 64;
    public const int MaxSaltLength = 64;
    public const int MaxValueLength = 1000;
    private const int MaxErrorText = 256;

    public static KrpcDecodeResult Decode(ReadOnlyMemory<byte> datagram)
    {
        if (!BencodeDocument.TryParse(datagram, out var document, out var error))
            return KrpcDecodeResult.Bad("not bencode: " + error);
        using (document)
        {
            var root = document!.Root;
            if (root.Kind != BencodeKind.Dictionary)
                return KrpcDecodeResult.Bad("not a dictionary");
            if (!root.TryGetProperty("t"u8, out var t) || !t.TryGetString(out var tid) || tid.Length > MaxTransactionIdLength)
                return KrpcDecodeResult.Bad("no transaction id");
            var transactionId = tid.ToArray();
            if (!root.TryGetProperty("y"u8, out var y) || !y.TryGetString(out var type) || type.Length != 1)
                return KrpcDecodeResult.Bad("no message type", transactionId);
            return type[0] switch
            {
                (byte)'q' => DecodeQuery(root, transactionId),
                (byte)'r' => DecodeResponse(root, transactionId),
                (byte)'e' => DecodeError(root, transactionId),
                _ => KrpcDecodeResult.Bad("unknown message type", transactionId),
            };
        }
    }

    private static KrpcDecodeResult DecodeQuery(BencodeElement root, byte[] transactionId)
    {
        if (!root.TryGetProperty("q"u8, out var q) || !q.TryGetString(out var name))
            return KrpcDecodeResult.Bad("query without method", transactionId, wasQuery: true);
        if (!root.TryGetProperty("a"u8, out var args) || args.Kind != BencodeKind.Dictionary)
            return KrpcDecodeResult.Bad("query without arguments", transactionId, wasQuery: true);
        if (!TryGetId(args, "id"u8, out var sender))
            return KrpcDecodeResult.Bad("query without a valid id", transactionId, wasQuery: true);

        var method = MethodOf(name);
        var query = new KrpcQuery(transactionId, method, sender)
        {
            ReadOnly = root.TryGetProperty("ro"u8, out var ro) && ro.TryGetInteger(out var roValue) && roValue == 1,
        };
        switch (method)
        {
            case KrpcMethod.FindNode:
                return TryGetId(args, "target"u8, out var target)
                    ? KrpcDecodeResult.Ok(query with { Target = target, Want = ReadWant(args) })
                    : KrpcDecodeResult.Bad("find_node without a valid target", transactionId, wasQuery: true);
            case KrpcMethod.GetPeers:
                return TryGetId(args, "info_hash"u8, out var infoHash)
                    ? KrpcDecodeResult.Ok(query with { Target = infoHash, Want = ReadWant(args) })
                    : KrpcDecodeResult.Bad("get_peers without a valid info_hash", transactionId, wasQuery: true);
            case KrpcMethod.AnnouncePeer:
                return DecodeAnnounce(args, query);
            case KrpcMethod.Get:
                if (!TryGetId(args, "target"u8, out var itemTarget))
                    return KrpcDecodeResult.Bad("get without a valid target", transactionId, wasQuery: true);
                long? seq = args.TryGetProperty("seq"u8, out var s) && s.TryGetInteger(out var sv) ? sv : null;
                return KrpcDecodeResult.Ok(query with { Target = itemTarget, Seq = seq });
            case KrpcMethod.Put:
                return DecodePut(args, query);
            default:
                return KrpcDecodeResult.Ok(query);
        }
    }

    private static KrpcMethod MethodOf(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("ping"u8) ? KrpcMethod.Ping
        : name.SequenceEqual("find_node"u8) ? KrpcMethod.FindNode
        : name.SequenceEqual("get_peers"u8) ? KrpcMethod.GetPeers
        : name.SequenceEqual("announce_peer"u8) ? KrpcMethod.AnnouncePeer
        : name.SequenceEqual("get"u8) ? KrpcMethod.Get
        : name.SequenceEqual("put"u8) ? KrpcMethod.Put
        : KrpcMethod.Unknown;

    private static KrpcDecodeResult DecodeAnnounce(BencodeElement args, KrpcQuery query)
    {
        var tid = query.TransactionId;
        if (!TryGetId(args, "info_hash"u8, out var infoHash))
            return KrpcDecodeResult.Bad("announce_peer without a valid info_hash", tid, wasQuery: true);
        if (!TryGetToken(args, out var token))
            return KrpcDecodeResult.Bad("announce_peer without a token", tid, wasQuery: true);
        var implied = args.TryGetProperty("implied_port"u8, out var ip) && ip.TryGetInteger(out var ipValue) && ipValue == 1;
        var port = 0L;
        if (!implied && (!args.TryGetProperty("port"u8, out var p) || !p.TryGetInteger(out port) || port is < 1 or > 65535))
            return KrpcDecodeResult.Bad("announce_peer without a valid port", tid, wasQuery: true);
        return KrpcDecodeResult.Ok(query with { Target = infoHash, Token = token, ImpliedPort = implied, Port = (int)port });
    }

    private static KrpcDecodeResult DecodePut(BencodeElement args, KrpcQuery query)
    {
        var tid = query.TransactionId;
        if (!TryGetToken(args, out var token))
            return KrpcDecodeResult.Bad("put without a token", tid, wasQuery: true);
        if (!args.TryGetProperty("v"u8, out var v))
            return KrpcDecodeResult.Bad("put without a value", tid, wasQuery: true);
        byte[]? key = null, signature = null;
        long seq = 0;
        long? cas = null;
        var salt = Array.Empty<byte>();
        if (args.TryGetProperty("k"u8, out var k))
        {
            if (!k.TryGetString(out var keyBytes) || keyBytes.Length != 32)
                return KrpcDecodeResult.Bad("put with a malformed key", tid, wasQuery: true);
            if (!args.TryGetProperty("sig"u8, out var sig) || !sig.TryGetString(out var sigBytes) || sigBytes.Length != 64)
                return KrpcDecodeResult.Bad("put with a malformed signature", tid, wasQuery: true);
            if (!args.TryGetProperty("seq"u8, out var s) || !s.TryGetInteger(out seq) || seq < 0)
                return KrpcDecodeResult.Bad("put without a valid seq", tid, wasQuery: true);
            if (args.TryGetProperty("salt"u8, out var saltElement))
            {
                if (!saltElement.TryGetString(out var saltBytes))
                    return KrpcDecodeResult.Bad("put with a malformed salt", tid, wasQuery: true);
                salt = saltBytes.ToArray();
            }
            if (args.TryGetProperty("cas"u8, out var c) && c.TryGetInteger(out var casValue))
                cas = casValue;
            key = keyBytes.ToArray();
            signature = sigBytes.ToArray();
        }
        var put = new PutArguments(v.RawSpan.ToArray(), key, signature, salt, seq, cas);
        return KrpcDecodeResult.Ok(query with { Token = token, Put = put });
    }

    private static KrpcDecodeResult DecodeResponse(BencodeElement root, byte[] transactionId)
    {
        if (!root.TryGetProperty("r"u8, out var r) || r.Kind != BencodeKind.Dictionary)
            return KrpcDecodeResult.Bad("response without body", transactionId);
        if (!TryGetId(r, "id"u8, out var sender))
            return KrpcDecodeResult.Bad("response without a valid id", transactionId);
        var malformed = 0;
        var nodes = new List<NodeContact>();
        ReadNodes(r, "nodes"u8, NodeContact.CompactLength, nodes, ref malformed);
        ReadNodes(r, "nodes6"u8, NodeContact.CompactLength6, nodes, ref malformed);
        var response = new KrpcResponse(transactionId, sender)
        {
            RequesterAddress = ReadRequesterAddress(root, r),
            Nodes = nodes,
            Values = ReadValues(r, ref malformed),
            Token = r.TryGetProperty("token"u8, out var token) && token.TryGetString(out var tokenBytes) && tokenBytes.Length <= MaxTokenLength
                ? tokenBytes.ToArray() : null,
        };
        if (malformed > 0)
            response = response with { MalformedEntries = malformed };
        if (r.TryGetProperty("v"u8, out var v) && v.RawSpan.Length <= MaxValueLength)
        {
            response = response with { Value = v.RawSpan.ToArray() };
            if (r.TryGetProperty("k"u8, out var k) && k.TryGetString(out var kb) && kb.Length == 32
                && r.TryGetProperty("sig"u8, out var sig) && sig.TryGetString(out var sb) && sb.Length == 64
                && r.TryGetProperty("seq"u8, out var seq) && seq.TryGetInteger(out var seqValue))
            {
                response = response with { Key = kb.ToArray(), Signature = sb.ToArray(), Seq = seqValue };
            }
        }
        else if (r.TryGetProperty("seq"u8, out var onlySeq) && onlySeq.TryGetInteger(out var onlySeqValue))
        {
            response = response with { Seq = onlySeqValue };
        }
        return KrpcDecodeResult.Ok(response);
    }

    private static KrpcDecodeResult DecodeError(BencodeElement root, byte[] transactionId)
    {
        if (!root.TryGetProperty("e"u8, out var e) || e.Kind != BencodeKind.List)
            return KrpcDecodeResult.Bad("error without body", transactionId);
        var code = 0L;
        var text = "";
        var index = 0;
        foreach (var item in e.EnumerateChildren())
        {
            if (index == 0 && !item.TryGetInteger(out code))
                return KrpcDecodeResult.Bad("error without a code", transactionId);
            if (index == 1 && item.TryGetString(out var bytes))
                text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, MaxErrorText)]);
            index++;
        }
        return index == 0 ? KrpcDecodeResult.Bad("empty error", transactionId)
            : KrpcDecodeResult.Ok(new KrpcError(transactionId, (int)Math.Clamp(code, int.MinValue, int.MaxValue), text));
    }

    private static bool TryGetId(BencodeElement dictionary, ReadOnlySpan<byte> key, out NodeId id)
    {
        id = default;
        return dictionary.TryGetProperty(key, out var element) && element.TryGetString(out var bytes) && NodeId.TryRead(bytes, out id);
    }

    private static bool TryGetToken(BencodeElement args, out byte[] token)
    {
        token = [];
        if (!args.TryGetProperty("token"u8, out var t) || !t.TryGetString(out var bytes) || bytes.Length > MaxTokenLength)
            return false;
        token = bytes.ToArray();
        return true;
    }

    private static IPEndPoint? ReadRequesterAddress(BencodeElement root, BencodeElement r)
    {
        // BEP 42 puts "ip" at the top level; some implementations put it inside "r".
        if ((root.TryGetProperty("ip"u8, out var ip) || r.TryGetProperty("ip"u8, out ip))
            && ip.TryGetString(out var bytes) && CompactEndPoint.TryRead(bytes, out var endPoint))
        {
            return endPoint;
        }

        return null;
    }

    /// <summary>At most this many nodes are read from each of <c>nodes</c> and <c>nodes6</c>; K = 8 is what a node sends.</summary>
    private const int MaxNodesPerField = 64;

    /// <summary>
    /// The compact nodes of one field (<c>nodes</c>: 26 bytes each, <c>nodes6</c>: 38). A trailing partial entry or a port 0
    /// is skipped and counted, not fatal: the whole entries are still good.
    /// </summary>
    private static void ReadNodes(BencodeElement r, ReadOnlySpan<byte> field, int entryLength, List<NodeContact> into, ref int malformed)
    {
        if (!r.TryGetProperty(field, out var nodes))
            return;
        if (!nodes.TryGetString(out var bytes))
        {
            malformed++;
            return;
        }
        if (bytes.Length % entryLength != 0)
            malformed++;
        var count = Math.Min(bytes.Length / entryLength, MaxNodesPerField);
        for (var i = 0; i < count; i++)
        {
            var entry = bytes.Slice(i * entryLength, entryLength);
            CompactEndPoint.TryRead(entry[NodeId.Length..], out var endPoint);
            if (endPoint.Port == 0)
                malformed++;
            else
                into.Add(new NodeContact(new NodeId(entry[..NodeId.Length]), endPoint));
        }
    }

    private static List<IPEndPoint> ReadValues(BencodeElement r, ref int malformed)
    {
        if (!r.TryGetProperty("values"u8, out var values))
            return [];
        if (values.Kind != BencodeKind.List)
        {
            malformed++;
            return [];
        }
        var list = new List<IPEndPoint>(Math.Min(values.Count, 256));
        foreach (var item in values.EnumerateChildren())
        {
            if (list.Count >= 256)
                break;
            // 6-byte IPv4 and 18-byte IPv6 peers (BEP 32); anything else is junk.
            if (item.TryGetString(out var bytes) && CompactEndPoint.TryRead(bytes, out var peer) && peer.Port != 0)
                list.Add(peer);
            else
                malformed++;
        }
        return list;
    }

    /// <summary>BEP 32 <c>want</c>: a list of <c>n4</c> and <c>n6</c>; anything else in it is ignored.</summary>
    private static WantedFamilies ReadWant(BencodeElement args)
    {
        if (!args.TryGetProperty("want"u8, out var want) || want.Kind != BencodeKind.List)
            return WantedFamilies.Default;
        var wanted = WantedFamilies.Default;
        foreach (var item in want.EnumerateChildren())
        {
            if (!item.TryGetString(out var name))
                continue;
            if (name.SequenceEqual("n4"u8))
                wanted |= WantedFamilies.IPv4;
            else if (name.SequenceEqual("n6"u8))
                wanted |= WantedFamilies.IPv6;
        }
        return wanted;
    }
}
