using AptP2P.Data;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Memory;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Node;
using AptP2P.Engine.Persistence;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine;

public static class EngineServiceCollectionExtensions
{
    /// <summary>Registers the engine: options, database, cache, hash index, mirror transfers and statistics.</summary>
    public static IServiceCollection AddAptP2PEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AptP2POptions>()
            .Bind(configuration.GetSection(AptP2POptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => ByteSize.TryParse(o.Cache.SizeLimit, out _), "AptP2P:Cache:SizeLimit must be a size such as 512M, 20G or 1T")
            .Validate(o => ByteSize.TryParse(o.Cache.MemorySize, out _), "AptP2P:Cache:MemorySize must be a size such as 0, 64M or 1G")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => DataDirectory.FromOptions(sp.GetRequiredService<IOptions<AptP2POptions>>().Value));
        services.AddSingleton<NodeDatabase>();

        services.AddSingleton<DatabaseWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseWriter>());
        services.AddSingleton<DatabaseInitializer>();

        services.AddSingleton<NodeEndpoints>();
        services.AddSingleton<MirrorPolicy>();
        services.AddSingleton<MirrorClient>();

        services.AddSingleton(sp => MemoryCopies.Following(sp.GetRequiredService<IOptionsMonitor<AptP2POptions>>()));
        services.AddSingleton<ContentStore>();
        services.AddSingleton<UrlRecords>();
        services.AddSingleton<CacheReconciler>();

        services.AddSingleton<HashIndex>();
        services.AddSingleton<Apt.Trust.SignatureVerifier>();
        services.AddSingleton<Apt.Trust.IArchiveCatalog, Apt.Trust.ArchiveCatalog>();
        services.AddSingleton<IndexIngestor>();
        services.AddSingleton<MemoryCompaction>();
        services.AddSingleton<Recovery.CrashRecovery>();

        services.AddSingleton<TrafficStatistics>();
        services.AddSingleton<Peers.PeerScoreBoard>();
        services.AddSingleton<MirrorDownload>();
        services.AddSingleton<Transfers.Bodies.BodyReader>();
        services.AddSingleton<Transfers.Swarm.PieceListLookup>();
        services.AddSingleton<Transfers.Swarm.SwarmFinder>();
        services.AddSingleton<Transfers.Swarm.PeerSource>();
        services.AddSingleton<Transfers.Swarm.MirrorRangeSource>();
        services.AddSingleton<Transfers.Swarm.SwarmDownload>();
        services.AddSingleton<Peers.PeerClient>();
        services.AddSingleton<Peers.UploadGate>();
        services.AddSingleton<Pieces.PieceListStore>();
        services.AddSingleton<Peers.Announcer>();
        services.AddSingleton<Peers.SharedDirectoryScanner>();
        var sharedDirectories = configuration.GetSection(PeerOptions.SectionName).GetSection(nameof(PeerOptions.SharedDirectories));
        services.AddOptions<PeerOptions>()
            .Bind(configuration.GetSection(PeerOptions.SectionName))
            .PostConfigure(o =>
            {
                if (!sharedDirectories.Exists())
                    o.SharedDirectories = [.. PeerOptions.DefaultSharedDirectories];
            })
            .ValidateDataAnnotations()
            .Validate(o => ByteSize.TryParse(o.UploadRateLimit, out _), "AptP2P:Peers:UploadRateLimit must be a rate in bytes per second such as 0 (unlimited), 512K or 10M")
            .Validate(o => o.SharedDirectories.All(d => string.IsNullOrWhiteSpace(d) || Path.IsPathFullyQualified(d)),
                "AptP2P:Peers:SharedDirectories must list absolute paths such as /var/cache/apt/archives")
            .ValidateOnStart();
        services.AddSingleton<TransferCoordinator>();
        services.AddSingleton<Proxy.ProxyService>();

        services.AddHostedService<EngineStartup>();
        // After EngineStartup, which loads the cache and the index: since .NET 10 a BackgroundService's ExecuteAsync starts
        // on the thread pool at once, and the announcer's first look at what is held (the scanner's at what is listed) would
        // otherwise come before the load and find nothing.
        services.AddHostedService(sp => sp.GetRequiredService<Peers.Announcer>());
        services.AddHostedService(sp => sp.GetRequiredService<Peers.SharedDirectoryScanner>());
        services.AddAptP2PDht(configuration);
        return services;
    }
}
