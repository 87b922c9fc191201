// The benchmarks run nginx, apt-get and the fixtures of AptP2P.Testing, which are Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
