using AptP2P.Bench;
using AptP2P.Testing.Apt;

// dotnet run -c Release --project AptP2P.Bench -- proxy      (all issue-2 figures)
// dotnet run -c Release --project AptP2P.Bench -- proxy coldfiles   (diagnosis: what a cold cache adds per file, curl vs nginx)
// dotnet run -c Release --project AptP2P.Bench -- swarm      (all issue-4 figures)
// dotnet run -c Release --project AptP2P.Bench -- lan        (issue-11 figures: LAN discovery, real [root] and simulated)
// dotnet run -c Release --project AptP2P.Bench -- metadata   (parse rates of the metadata readers alone)
// dotnet run -c Release --project AptP2P.Bench -- metadata debian   (bookworm's own Packages.xz and Sources.xz)
// dotnet run -c Release --project AptP2P.Bench -- memory [debian|downloads|churn|floor|dashboard|dashboard-empty]...   (issue-13 resident-set figures)
// dotnet run -c Release --project AptP2P.Bench -- startup [build|publish|r2r|r2r-nopgo|r2r-notiered]...   (issue-13 start-up figures)
// dotnet run -c Release --project AptP2P.Bench -- fuzz [krpc] [control]   (issue-10 fuzzing at scale; both when none given)
var command = args.Length > 0 ? args[0] : "proxy";
switch (command)
{
    case "proxy":
        await ProxyBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray());
        return 0;
    case "swarm":
        await SwarmBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray());
        return 0;
    case "lan":
        await LanBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray());
        return 0;
    case "metadata" when args.Skip(1).FirstOrDefault() == "debian":
        MetadataBenchmark.RunDebian(Console.Out);
        return 0;
    case "metadata":
        MetadataBenchmark.Run(Console.Out);
        return 0;
    case "memory":
        await MemoryBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray());
        return 0;
    case "startup":
        await StartupBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray());
        return 0;
    case "fuzz":
        return await FuzzBenchmark.RunAsync(Console.Out, args.Skip(1).ToArray()) ? 0 : 1;
    default:
        Console.Error.WriteLine($"unknown benchmark '{command}'; use: proxy [apt|latency|bigfile|smallfiles|index|coldfiles]..., swarm [pieces|install]..., lan [real|simulated], metadata [debian], memory [debian|downloads|churn|floor|dashboard|dashboard-empty]..., startup [build|publish|r2r|r2r-nopgo|r2r-notiered]..., fuzz [krpc|control]...");
        return 2;
}
