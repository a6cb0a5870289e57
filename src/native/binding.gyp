{
  # One small addon: the Linux syscalls Node has no API for (SCM_RIGHTS,
  # eventfd, mmap of shared guest RAM, AF_VSOCK, polling a raw fd on the
  # event loop). node-addon-api with C++ exceptions: errors become JS throws.
  "targets": [
    {
      "target_name": "clear_native",
      "sources": ["clear_native.cc"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
