namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>What <see cref="SwarmFinder.FindAsync"/> found: a plan, or why the file should stream from the mirror.</summary>
public sealed record SwarmSearch(SwarmPlan? Plan, string? Reason)
{
    public static SwarmSearch None(string reason) => new(null, reason);
}
