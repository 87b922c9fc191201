using System.Net;

namespace AptP2P.Engine.Dht.Routing;

/// <summary>
/// Learns our external address from the <c>ip</c> field of responses (BEP 42): an address is believed once
/// <c>votesNeeded</c> distinct responders reported it. Bounded: the tally restarts when it grows large.
/// </summary>
public sealed class ExternalAddressVote(int votesNeeded)
{
    private const int MaxTally = 64;
    private readonly Dictionary<IPAddress, HashSet<IPEndPoint>> _votes = [];

    /// <summary>Counts a vote; true with the address when it has just reached (or still holds) agreement.</summary>
    public bool Add(IPAddress address, IPEndPoint voter, out IPAddress agreed)
    {
        agreed = address;
        if (address.IsIPv4MappedToIPv6)
            agreed = address = address.MapToIPv4();
        if (!_votes.TryGetValue(address, out var voters))
        {
            if (_votes.Count >= MaxTally)
                _votes.Clear();
            voters = [];
            _votes.Add(address, voters);
        }
        if (voters.Count < MaxTally)
            voters.Add(voter);
        return voters.Count >= votesNeeded;
    }
}
