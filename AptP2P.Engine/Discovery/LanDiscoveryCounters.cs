namespace AptP2P.Engine.Discovery;

/// <summary>What local discovery has sent and heard since it started (for the API, the dashboard and the benchmark).</summary>
/// <param name="Sent">Announcements sent to the group (one per interface and family).</param>
/// <param name="Replies">Replies sent straight to joining nodes.</param>
/// <param name="Received">Datagrams received, whatever they held.</param>
/// <param name="Accepted">Hellos taken: a LAN peer heard.</param>
/// <param name="Malformed">Not a hello of ours, or damaged.</param>
/// <param name="OtherSwarm">Hellos of nodes with another swarm key, or without one when this node has one (or the reverse).</param>
/// <param name="Flooded">Dropped because the sender, or everyone together, sent more than the caps allow.</param>
public sealed record LanDiscoveryCounters(
    long Sent,
    long Replies,
    long Received,
    long Accepted,
    long Malformed,
    long UnknownVersion,
    long OtherSwarm,
    long Flooded,
    long Own,
    DateTimeOffset? LastSent,
    DateTimeOffset? LastHeard);
