# cmake -DNPM=<npm> -DDIR=<controlplane/demo> -P npm-ci.cmake
# Runs `npm ci` in DIR when DIR/node_modules is missing or older than
# DIR/package-lock.json, then marks node_modules as fresh.
set(_nm ${DIR}/node_modules)
set(_lock ${DIR}/package-lock.json)
if(EXISTS ${_nm}/esbuild/package.json AND NOT ${_lock} IS_NEWER_THAN ${_nm})
  return()
endif()
message(STATUS "sluice-demo: npm ci in ${DIR}")
execute_process(COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
                WORKING_DIRECTORY ${DIR} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "sluice-demo: npm ci failed in ${DIR} (is the npm registry reachable?)")
endif()
file(TOUCH_NOCREATE ${_nm})
