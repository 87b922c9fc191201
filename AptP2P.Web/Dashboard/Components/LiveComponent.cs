using AptP2P.Engine.Stats;
using Microsoft.AspNetCore.Components;

namespace AptP2P.Web.Dashboard.Components;

/// <summary>
/// A page or component that shows the node's live statistics. It renders the current snapshot at once (also when prerendered),
/// subscribes once the component is interactive (never during prerendering), re-renders on every pushed update (the feed
/// sends a few a second at most and drops what a slow circuit could not take), and unsubscribes when disposed.
/// </summary>
public abstract class LiveComponent : ComponentBase, IAsyncDisposable
{
    private CancellationTokenSource? _watching;
    private Task _loop = Task.CompletedTask;

    [Inject]
    protected IStatisticsFeed Feed { get; set; } = null!;

    protected NodeStatistics Statistics { get; private set; } = null!;

    protected override void OnInitialized()
    {
        Statistics = Feed.Current;
        OnStatistics(Statistics);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender)
            return;
        _watching = new CancellationTokenSource();
        _loop = WatchAsync(_watching.Token);
    }

    /// <summary>Called with each new snapshot before the component re-renders, on the renderer's thread.</summary>
    protected virtual void OnStatistics(NodeStatistics statistics)
    {
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var statistics in Feed.WatchAsync(cancellationToken))
            {
                await InvokeAsync(() =>
                {
                    if (cancellationToken.IsCancellationRequested)
                        return;
                    Statistics = statistics;
                    OnStatistics(statistics);
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed: the page was left or the circuit closed.
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_watching is not null)
        {
            await _watching.CancelAsync();
            await _loop;
            _watching.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
