using System.ComponentModel;
using System.Diagnostics;

namespace AptP2P.Tests.Apt;

/// <summary>Runs the system's own tools (gzip, xz, bzip2, apt-ftparchive) so tests read what they really produce.</summary>
internal static class SystemTool
{
    public static byte[] Run(string tool, string arguments, byte[]? input = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"This test needs the '{tool}' command (apt-get install {PackageOf(tool)}).", ex);
        }

        using (process)
        {
            var output = new MemoryStream();
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(output);
            var errors = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                process.StandardInput.BaseStream.Write(input);
            }

            process.StandardInput.Close();
            copyOut.GetAwaiter().GetResult();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {arguments} exited with {process.ExitCode}: {errors.GetAwaiter().GetResult()}");
            }

            return output.ToArray();
        }
    }

    private static string PackageOf(string tool) => tool switch
    {
        "apt-ftparchive" => "apt-utils",
        "dpkg-deb" => "dpkg",
        "xz" => "xz-utils",
        _ => tool,
    };
}
