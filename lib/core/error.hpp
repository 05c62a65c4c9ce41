// The one error type of shopkit: a failure (not a result) that ends the program
// with a given exit status. Caught once, at the top of main (cli.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace shopkit {

class Error : public std::runtime_error {
  public:
    // `status` is one of exit_status.hpp; `message` is printed after "prog: error: ".
    Error(int status, const std::string& message);
    int status() const noexcept { return status_; }

  private:
    int status_;
};

// An Error with exit_status::config (78).
Error config_error(const std::string& message);
// An Error with exit_status::usage (64).
Error usage_error(const std::string& message);
// An Error with exit_status::data (65).
Error data_error(const std::string& message);

} // namespace shopkit
