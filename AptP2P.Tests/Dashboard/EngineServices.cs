using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Stats;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Dashboard;

/// <summary>The engine's real services on a fake clock, none of them started: enough to drive the statistics by hand.</summary>
internal sealed class EngineServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public EngineServices()
    {
        DataDirectory = Directory.CreateTempSubdirectory("aptp2p-stats-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AptP2P:DataDirectory"] = DataDirectory,
            ["AptP2P:Cache:SizeLimit"] = "1G",
        }).Build();
        _provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(Time)
            .AddSingleton<IHostApplicationLifetime, ApplicationLifetime>()
            .AddAptP2PEngine(configuration)
            .AddAptP2PStatistics()
            .BuildServiceProvider();
        Get<DataDirectory>().EnsureCreated();
    }

    public string DataDirectory { get; }
    public FakeTimeProvider Time { get; } = new(SampleStatistics.Start);

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    /// <summary>Puts a file of <paramref name="size"/> random bytes into the content store, fetched under <paramref name="urlKey"/>.</summary>
    public CacheEntry AddCachedFile(string urlKey, int size)
    {
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        var hash = ContentHash.Compute(content);
        var partial = Get<DataDirectory>().NewPartialPath();
        File.WriteAllBytes(partial, content);
        var entry = Get<ContentStore>().Add(partial, hash, size, verified: true);
        Get<UrlRecords>().Set(urlKey, new UrlInfo(hash, size, null, null, null, Time.GetUtcNow()));
        return entry;
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a write queued before disposal may land while the directory is removed; /tmp is cleaned later.
        }
    }
}
