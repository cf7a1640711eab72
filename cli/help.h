// What `omni -h`, `-h filter=NAME`, `-filters`, `-version`, `-buildconf` and the man page print.
// All of it is generated from the argument table and the filters' option tables.
#pragma once
#include <string>

namespace omni {

std::string usage_text();
std::string filters_text();
std::string filter_help_text(const std::string& name);  // throws Error for an unknown filter
std::string version_text();
std::string buildconf_text();
std::string manpage_text();

}  // namespace omni
