using System.Globalization;
using AptP2P.Testing.Mirrors;

namespace AptP2P.Bench;

/// <summary>CPU time (user and system) of a process and its descendants, read from /proc.</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Debian ships

    /// <summary>This process: the node under test runs in it; its children (apt, curl, wrk) are not counted.</summary>
    public static TimeSpan OfThisProcess() => Own(Environment.ProcessId);

    /// <summary>A reader of nginx's CPU time, its master and workers together.</summary>
    public static Func<TimeSpan> Of(NginxMirror nginx)
    {
        var master = nginx.MasterProcessId ?? throw new InvalidOperationException("nginx is not running");
        return () => OfTree(master);
    }

    /// <summary>The CPU time <paramref name="pid"/> and the processes below it have used so far.</summary>
    public static TimeSpan OfTree(int pid)
    {
        var total = TimeSpan.Zero;
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var current))
        {
            total += Own(current);
            foreach (var child in Children(current))
                pending.Push(child);
        }
        return total;
    }

    /// <summary>utime + stime of every thread of <paramref name="pid"/>; fields 14 and 15 of /proc/pid/stat, after the command.</summary>
    public static TimeSpan Own(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return TimeSpan.Zero; // exited meanwhile
        }
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static List<int> Children(int pid)
    {
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
            return [];
        var children = new List<int>();
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    children.Add(int.Parse(child, CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // the task ended meanwhile
            }
        }
        return children;
    }
}

/// <summary>How much CPU time a reader of <see cref="ProcessCpu"/> has risen by since the meter started.</summary>
internal readonly struct CpuMeter
{
    private readonly Func<TimeSpan> _read;
    private readonly TimeSpan _start;

    private CpuMeter(Func<TimeSpan> read)
    {
        _read = read;
        _start = read();
    }

    public static CpuMeter Start(Func<TimeSpan> read) => new(read);

    public TimeSpan Used => _read() - _start;
}
