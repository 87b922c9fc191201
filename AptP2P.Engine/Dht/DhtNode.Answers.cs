using System.Net;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht;

/// <summary>Answering other nodes' queries (BEP 5, 42, 43, 44).</summary>
public sealed partial class DhtNode
{
    /// <summary>
    /// Peers per get_peers answer: 50 × 8 bytes (IPv4) or 25 × 21 bytes (IPv6), beside 8 nodes of each family, keep the
    /// datagram under 1,400 bytes.
    /// </summary>
    private int MaxValuesPerResponse => Family == System.Net.Sockets.AddressFamily.InterNetwork ? 50 : 25;

    private void Answer(KrpcQuery query, IPEndPoint source)
    {
        _counters.QueriesIn++;
        RecordQueryFrom(source);
        // BEP 43: a read-only node does not answer, and a node that says it is read-only is not put into our table. A node
        // read-only by itself (unreachable) still answers what reaches it: that is how it becomes reachable again.
        if (Options.ReadOnly)
            return;
        if (!query.ReadOnly && query.SenderId != Id)
        {
            var known = _table.Observe(new NodeContact(query.SenderId, source), responded: false, rtt: null, out _);
            if (known is null && _table.WouldAccept(query.SenderId))
                Ping(source, query.SenderId);
        }

        switch (query.Method)
        {
            case KrpcMethod.Ping:
                Respond(query, source, new KrpcResponse(query.TransactionId, Id));
                break;
            case KrpcMethod.FindNode:
                Respond(query, source, new KrpcResponse(query.TransactionId, Id) { Nodes = ClosestFor(query.Target, query.Want) });
                break;
            case KrpcMethod.GetPeers:
                Respond(query, source, new KrpcResponse(query.TransactionId, Id)
                {
                    Nodes = ClosestFor(query.Target, query.Want),
                    Values = Peers.Get(query.Target, MaxValuesPerResponse, _random),
                    Token = _tokens.Issue(source.Address),
                });
                break;
            case KrpcMethod.AnnouncePeer:
                AnswerAnnounce(query, source);
                break;
            case KrpcMethod.Get:
                AnswerGet(query, source);
                break;
            case KrpcMethod.Put:
                AnswerPut(query, source);
                break;
            default:
                SendMessage(new KrpcError(query.TransactionId, KrpcErrorCode.MethodUnknown, "Method Unknown"), source);
                break;
        }
    }

    private void AnswerAnnounce(KrpcQuery query, IPEndPoint source)
    {
        if (!_tokens.IsValid(source.Address, query.Token))
        {
            SendMessage(new KrpcError(query.TransactionId, KrpcErrorCode.Protocol, "bad token"), source);
            return;
        }
        var port = query.ImpliedPort ? source.Port : query.Port;
        if (Peers.Add(query.Target, new IPEndPoint(source.Address, port)))
            _counters.AnnouncesStored++;
        Respond(query, source, new KrpcResponse(query.TransactionId, Id));
    }

    private void AnswerGet(KrpcQuery query, IPEndPoint source)
    {
        var response = new KrpcResponse(query.TransactionId, Id)
        {
            Nodes = ClosestFor(query.Target),
            Token = _tokens.Issue(source.Address),
        };
        if (Items.Find(query.Target) is { } item)
        {
            if (!item.IsMutable)
                response = response with { Value = item.Value };
            else if (query.Seq is { } seq && seq >= item.Seq)
                response = response with { Seq = item.Seq };
            else
                response = response with { Value = item.Value, Key = item.Key, Seq = item.Seq, Signature = item.Signature };
        }
        Respond(query, source, response);
    }

    private void AnswerPut(KrpcQuery query, IPEndPoint source)
    {
        if (!_tokens.IsValid(source.Address, query.Token))
        {
            SendMessage(new KrpcError(query.TransactionId, KrpcErrorCode.Protocol, "bad token"), source);
            return;
        }
        var code = Items.Put(query.Put!, out _);
        if (code != 0)
        {
            SendMessage(new KrpcError(query.TransactionId, code, PutErrorText(code)), source);
            return;
        }
        _counters.ItemsStored++;
        Respond(query, source, new KrpcResponse(query.TransactionId, Id));
    }

    private static string PutErrorText(int code) => code switch
    {
        KrpcErrorCode.ValueTooBig => "message (v field) too big",
        KrpcErrorCode.InvalidSignature => "invalid signature",
        KrpcErrorCode.SaltTooBig => "salt (salt field) too big",
        KrpcErrorCode.CasMismatch => "the CAS hash mismatched, re-read value and try again",
        KrpcErrorCode.SequenceTooLow => "sequence number less than current",
        _ => "item store full",
    };

    private List<NodeContact> ClosestFor(NodeId target) => _table.Closest(target, Options.BucketSize);

    /// <summary>
    /// BEP 32: the nodes of the families the querier wants, ours from the table and the other family's from the sibling's
    /// published snapshot (no second lock is taken); without <c>want</c>, the family of this socket.
    /// </summary>
    private List<NodeContact> ClosestFor(NodeId target, WantedFamilies want)
    {
        if (want == WantedFamilies.Default)
            return ClosestFor(target);
        var ownFlag = Family == System.Net.Sockets.AddressFamily.InterNetwork ? WantedFamilies.IPv4 : WantedFamilies.IPv6;
        var nodes = want.HasFlag(ownFlag) ? ClosestFor(target) : [];
        if ((want & ~ownFlag) != WantedFamilies.Default && Sibling is { } sibling)
            nodes.AddRange(sibling.PublishedClosest(target, Options.BucketSize));
        return nodes;
    }

    /// <summary>Every response tells the requester how we saw it (BEP 42's <c>ip</c>).</summary>
    private void Respond(KrpcQuery query, IPEndPoint source, KrpcResponse response) =>
        SendMessage(LanScope.ForRecipient(response, source) with { RequesterAddress = source }, source);
}
