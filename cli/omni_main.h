#pragma once
namespace omni {
// The whole `omni` command: parses argv, runs the job or the information action, prints errors
// as one line ("omni: <where>: <what>; <what to do>") and returns the exit status.
int omni_main(int argc, char** argv);
}  // namespace omni
