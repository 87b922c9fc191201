using System.Buffers;
using AptP2P.Engine.Dht.Bencode;

namespace AptP2P.Engine.Dht.Krpc;

/// <summary>Writes KRPC messages. Keys are written in bencode order by construction, as the strict decoder demands.</summary>
public static class KrpcEncoder
{
    /// <summary>Our client version, BEP 20 style: two letters and two bytes.</summary>
    public static ReadOnlySpan<byte> ClientVersion => "AP\0\u0001"u8;

    public static string MethodName(KrpcMethod method) => method switch
    {
        KrpcMethod.Ping => "ping",
        KrpcMethod.FindNode => "find_node",
        KrpcMethod.GetPeers => "get_peers",
        KrpcMethod.AnnouncePeer => "announce_peer",
        KrpcMethod.Get => "get",
        KrpcMethod.Put => "put",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not a method we send."),
    };

    /// <summary>Writes any message the node sends.</summary>
    public static void Write(IBufferWriter<byte> output, KrpcMessage message)
    {
        switch (message)
        {
            case KrpcQuery query:
                WriteQuery(output, query);
                break;
            case KrpcResponse response:
                WriteResponse(output, response);
                break;
            case KrpcError error:
                WriteError(output, error);
                break;
            default:
                throw new ArgumentException($"{message.GetType().Name} is not a KRPC message the node sends", nameof(message));
        }
    }

    public static void WriteQuery(IBufferWriter<byte> output, KrpcQuery query)
    {
        var w = new BencodeWriter(output);
        w.WriteDictionaryStart();
        w.WriteString("a");
        WriteArguments(w, query);
        w.WriteString("q");
        w.WriteString(MethodName(query.Method));
        if (query.ReadOnly)
            w.WriteInteger("ro", 1);
        w.WriteString("t", query.TransactionId);
        w.WriteString("v", ClientVersion);
        w.WriteString("y", "q"u8);
        w.WriteEnd();
    }

    private static void WriteArguments(BencodeWriter w, KrpcQuery q)
    {
        Span<byte> id = stackalloc byte[NodeId.Length];
        Span<byte> target = stackalloc byte[NodeId.Length];
        q.SenderId.CopyTo(id);
        q.Target.CopyTo(target);
        var put = q.Put;
        w.WriteDictionaryStart();
        if (put?.Cas is { } cas)
            w.WriteInteger("cas", cas);
        w.WriteString("id", id);
        if (q.Method == KrpcMethod.AnnouncePeer)
        {
            w.WriteInteger("implied_port", q.ImpliedPort ? 1 : 0);
            w.WriteString("info_hash", target);
        }
        if (q.Method == KrpcMethod.GetPeers)
            w.WriteString("info_hash", target);
        if (put?.Key is { } key)
            w.WriteString("k", key);
        if (q.Method == KrpcMethod.AnnouncePeer)
            w.WriteInteger("port", q.Port);
        if (put is { IsMutable: true })
        {
            if (put.Salt.Length > 0)
                w.WriteString("salt", put.Salt);
            w.WriteInteger("seq", put.Seq);
            w.WriteString("sig", put.Signature ?? []);
        }
        if (q.Method == KrpcMethod.Get && q.Seq is { } seq)
            w.WriteInteger("seq", seq);
        if (q.Method is KrpcMethod.FindNode or KrpcMethod.Get)
            w.WriteString("target", target);
        if (q.Method is KrpcMethod.AnnouncePeer or KrpcMethod.Put)
            w.WriteString("token", q.Token ?? []);
        if (put is not null)
        {
            w.WriteString("v");
            w.WriteRaw(put.Value);
        }
        if (q.Want != WantedFamilies.Default && q.Method is KrpcMethod.FindNode or KrpcMethod.GetPeers)
        {
            w.WriteString("want");
            w.WriteListStart();
            if (q.Want.HasFlag(WantedFamilies.IPv4))
                w.WriteString("n4"u8);
            if (q.Want.HasFlag(WantedFamilies.IPv6))
                w.WriteString("n6"u8);
            w.WriteEnd();
        }
        w.WriteEnd();
    }

    public static void WriteResponse(IBufferWriter<byte> output, KrpcResponse response)
    {
        var w = new BencodeWriter(output);
        Span<byte> scratch = stackalloc byte[CompactEndPoint.Length6];
        w.WriteDictionaryStart();
        if (response.RequesterAddress is { } requester)
        {
            var length = CompactEndPoint.LengthOf(requester);
            CompactEndPoint.Write(requester, scratch[..length]);
            w.WriteString("ip", scratch[..length]);
        }
        w.WriteString("r");
        WriteBody(w, response);
        w.WriteString("t", response.TransactionId);
        w.WriteString("v", ClientVersion);
        w.WriteString("y", "r"u8);
        w.WriteEnd();
    }

    private static void WriteBody(BencodeWriter w, KrpcResponse r)
    {
        Span<byte> id = stackalloc byte[NodeId.Length];
        r.SenderId.CopyTo(id);
        w.WriteDictionaryStart();
        w.WriteString("id", id);
        if (r.Key is { } key)
            w.WriteString("k", key);
        WriteNodes(w, "nodes", r.Nodes, ipv4: true, NodeContact.CompactLength);
        WriteNodes(w, "nodes6", r.Nodes, ipv4: false, NodeContact.CompactLength6);
        if (r.Seq is { } seq)
            w.WriteInteger("seq", seq);
        if (r.Signature is { } sig)
            w.WriteString("sig", sig);
        if (r.Token is { } token)
            w.WriteString("token", token);
        if (r.Value is { } value)
        {
            w.WriteString("v");
            w.WriteRaw(value);
        }
        if (r.Values.Count > 0)
        {
            Span<byte> peer = stackalloc byte[CompactEndPoint.Length6];
            w.WriteString("values");
            w.WriteListStart();
            foreach (var endPoint in r.Values)
            {
                var length = CompactEndPoint.LengthOf(endPoint);
                CompactEndPoint.Write(endPoint, peer[..length]);
                w.WriteString(peer[..length]);
            }
            w.WriteEnd();
        }
        w.WriteEnd();
    }

    /// <summary>The nodes of one family as one compact string (BEP 5 <c>nodes</c>, BEP 32 <c>nodes6</c>); nothing when there are none.</summary>
    private static void WriteNodes(BencodeWriter w, string field, IReadOnlyList<NodeContact> nodes, bool ipv4, int entryLength)
    {
        var count = 0;
        foreach (var node in nodes)
            count += node.IsIPv4 == ipv4 ? 1 : 0;
        if (count == 0)
            return;
        var bytes = new byte[count * entryLength];
        var offset = 0;
        foreach (var node in nodes)
        {
            if (node.IsIPv4 != ipv4)
                continue;
            node.WriteCompact(bytes.AsSpan(offset, entryLength));
            offset += entryLength;
        }
        w.WriteString(field, bytes);
    }

    public static void WriteError(IBufferWriter<byte> output, KrpcError error)
    {
        var w = new BencodeWriter(output);
        w.WriteDictionaryStart();
        w.WriteString("e");
        w.WriteListStart();
        w.WriteInteger(error.Code);
        w.WriteString(error.Text);
        w.WriteEnd();
        w.WriteString("t", error.TransactionId);
        w.WriteString("v", ClientVersion);
        w.WriteString("y", "e"u8);
        w.WriteEnd();
    }
}
