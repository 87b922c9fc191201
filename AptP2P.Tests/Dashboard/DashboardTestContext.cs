using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Stats;
using AptP2P.Web.Dashboard.Components;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace AptP2P.Tests.Dashboard;

/// <summary>
/// bUnit with MudBlazor (loose JS interop: charts measure their SVG through JS) and the dashboard's services replaced by
/// test doubles the test drives: the statistics feed, the cache catalogue, the DHT, a fake clock.
/// </summary>
public abstract class DashboardTestContext : BunitContext
{
    private protected DashboardTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Slow CI: renders triggered from another thread get longer than the default second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        Services.AddMudServices();
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IStatisticsFeed>(Feed);
        Services.AddSingleton<ICacheCatalog>(Catalog);
        Services.AddSingleton<AptP2P.Engine.Apt.Trust.IArchiveCatalog>(Archives);
        Services.AddSingleton<IDht>(Dht);
        Services.AddSingleton<AptP2P.Engine.Discovery.IDiscoveryStatus>(Lan);
        Services.AddSingleton<AptP2P.Engine.PortMapping.IPortMappingStatus>(Mapping);
        Services.AddSingleton(Index);
        Services.AddSingleton<PeerLookupKeyResolver>();
    }

    /// <summary>
    /// Plays the browser's part for charts that fit their container (<c>MatchBoundsToSize</c>): they ask JS to observe their
    /// element and draw once it reports a size, which loose JS interop never does.
    /// </summary>
    internal async Task ReportElementSizesAsync(double width = 900, double height = 260)
    {
        foreach (var invocation in JSInterop.Invocations["mudObserveElementSize"])
        {
            var reference = invocation.Arguments[0]!;
            var observer = reference.GetType().GetProperty("Value")!.GetValue(reference)!;
            var callback = observer.GetType().GetMethod("OnElementSizeChanged")!;
            await Renderer.Dispatcher.InvokeAsync(() =>
                callback.Invoke(observer, [new MudBlazor.Interop.ElementSize { Width = width, Height = height }]) as Task ?? Task.CompletedTask);
        }
    }

    internal FakeTimeProvider Time { get; } = new(SampleStatistics.Start);
    internal TestStatisticsFeed Feed { get; } = new(SampleStatistics.Node());
    internal TestCacheCatalog Catalog { get; } = new();
    internal TestArchiveCatalog Archives { get; } = new();
    internal TestDht Dht { get; } = new();
    internal TestDiscovery Lan { get; } = new();
    internal TestPortMapping Mapping { get; } = new();
    internal HashIndex Index { get; } = new(new AptP2P.Tests.Transfers.FixedOptions<AptP2P.Engine.Configuration.AptP2POptions>(new()));
}
