using Microsoft.Extensions.Hosting.Systemd;

namespace AptP2P.Web.Operations;

/// <summary>
/// Tells systemd that the node is alive at half the unit's <c>WatchdogSec</c>, so a node whose thread pool or timers are
/// stuck is restarted. Microsoft.Extensions.Hosting.Systemd says READY and STOPPING but never pets the watchdog.
/// </summary>
public sealed class SystemdWatchdog(ISystemdNotifier notifier, TimeSpan interval) : BackgroundService
{
    private static readonly ServiceState Alive = new("WATCHDOG=1");

    /// <summary>The interval systemd asks for (<c>WATCHDOG_USEC</c>, set for this process only), halved; null without a watchdog.</summary>
    public static TimeSpan? IntervalFromEnvironment()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var microseconds) || microseconds <= 0)
            return null;
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            return null;
        return TimeSpan.FromMicroseconds(microseconds / 2);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            notifier.Notify(Alive);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
