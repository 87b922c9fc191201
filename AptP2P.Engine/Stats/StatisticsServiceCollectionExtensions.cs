using AptP2P.Engine.Cache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AptP2P.Engine.Stats;

public static class StatisticsServiceCollectionExtensions
{
    /// <summary>Registers the live statistics (<see cref="IStatisticsFeed"/>) and the cache catalogue for the dashboard and the API.</summary>
    public static IServiceCollection AddAptP2PStatistics(this IServiceCollection services)
    {
        services.TryAddSingleton<StatisticsService>();
        services.TryAddSingleton<IStatisticsFeed>(sp => sp.GetRequiredService<StatisticsService>());
        services.AddHostedService(sp => sp.GetRequiredService<StatisticsService>());
        services.TryAddSingleton<ICacheCatalog, CacheCatalog>();
        return services;
    }
}
