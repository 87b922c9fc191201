using System.Security.Cryptography;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Repositories;

/// <summary>Builds the packages the test repository makes itself: synthetic binaries and a tiny native source package.</summary>
internal static class PackageBuilders
{
    private const int PayloadChunkSize = 1 << 20;

    /// <summary>
    /// A binary package (Architecture: all) whose only file is <paramref name="payloadBytes"/> of random data,
    /// stored uncompressed so the .deb is about that size. Returns the path of the .deb written into <paramref name="poolDirectory"/>.
    /// </summary>
    public static async Task<string> BuildRandomPayloadDebAsync(
        string name, string version, long payloadBytes, string poolDirectory, string workDirectory, CancellationToken cancellationToken)
    {
        var dpkgDeb = Prerequisites.Require("dpkg-deb");
        var tree = Path.Combine(workDirectory, $"{name}-deb");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        var payloadDirectory = Path.Combine(tree, "usr", "share", name);
        Directory.CreateDirectory(payloadDirectory);
        try
        {
            await WriteRandomFileAsync(Path.Combine(payloadDirectory, "payload.bin"), payloadBytes, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN", "control"), $"""
                Package: {name}
                Version: {version}
                Architecture: all
                Maintainer: AptP2P Tests <test@invalid>
                Section: misc
                Priority: optional
                Description: {payloadBytes} bytes of random payload for AptP2P proxy tests
                 Incompressible on purpose, so transfers move the full size.

                """, cancellationToken);

            Directory.CreateDirectory(poolDirectory);
            var deb = Path.Combine(poolDirectory, $"{name}_{VersionWithoutEpoch(version)}_all.deb");
            await ProcessRunner.RunAsync(dpkgDeb, ["-Znone", "--root-owner-group", "--build", tree, deb], cancellationToken);
            return deb;
        }
        finally
        {
            Directory.Delete(tree, recursive: true);
        }
    }

    /// <summary>
    /// A "3.0 (native)" source package built with <c>dpkg-source -b</c>; returns the .dsc and .tar.xz moved into <paramref name="poolDirectory"/>.
    /// </summary>
    public static async Task<IReadOnlyList<string>> BuildNativeSourcePackageAsync(
        string sourceName, string version, string poolDirectory, string workDirectory, CancellationToken cancellationToken)
    {
        var dpkgSource = Prerequisites.Require("dpkg-source");
        var buildRoot = Path.Combine(workDirectory, "source-build");
        var tree = Path.Combine(buildRoot, $"{sourceName}-{version}");
        Directory.CreateDirectory(Path.Combine(tree, "debian", "source"));
        try
        {
            await File.WriteAllTextAsync(Path.Combine(tree, "hello.sh"), "#!/bin/sh\necho 'Hello from AptP2P'\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(tree, "debian", "source", "format"), "3.0 (native)\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(tree, "debian", "rules"), "#!/usr/bin/make -f\n%:\n\tdh $@\n", cancellationToken);
            File.SetUnixFileMode(Path.Combine(tree, "debian", "rules"),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await File.WriteAllTextAsync(Path.Combine(tree, "debian", "control"), $"""
                Source: {sourceName}
                Section: misc
                Priority: optional
                Maintainer: AptP2P Tests <test@invalid>
                Standards-Version: 4.6.2

                Package: aptp2p-hello
                Architecture: all
                Description: tiny source package for AptP2P proxy tests
                 Exists only to be fetched with apt-get source.

                """, cancellationToken);
            var date = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(Path.Combine(tree, "debian", "changelog"), $"""
                {sourceName} ({version}) stable; urgency=medium

                  * Test package.

                 -- AptP2P Tests <test@invalid>  {date}

                """, cancellationToken);

            await ProcessRunner.RunAsync(
                new ProcessSpec(dpkgSource, ["-b", Path.GetFileName(tree)]) { WorkingDirectory = buildRoot, Environment = new Dictionary<string, string?> { ["LC_ALL"] = "C" } },
                cancellationToken);

            Directory.CreateDirectory(poolDirectory);
            var moved = new List<string>();
            foreach (var file in Directory.GetFiles(buildRoot).Order(StringComparer.Ordinal))
            {
                var target = Path.Combine(poolDirectory, Path.GetFileName(file));
                File.Move(file, target, overwrite: true);
                moved.Add(target);
            }
            return moved;
        }
        finally
        {
            Directory.Delete(buildRoot, recursive: true);
        }
    }

    public static string VersionWithoutEpoch(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var colon = version.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? version : version[(colon + 1)..];
    }

    private static async Task WriteRandomFileAsync(string path, long length, CancellationToken cancellationToken)
    {
        var buffer = new byte[PayloadChunkSize];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        for (long written = 0; written < length; written += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, length - written);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, count));
            await file.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
        }
    }
}
