# cmake -DCTEST=ctest -DDIR=build -P labels_complete.cmake: fails when a test
# of DIR carries none of the labels unit, replay, root, browser.
execute_process(COMMAND ${CTEST} -N -LE "^(unit|replay|root|browser)$" WORKING_DIRECTORY ${DIR}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest -N failed (${rc})")
endif()
if(NOT out MATCHES "Total Tests: 0")
  message(FATAL_ERROR "tests without a label (unit|replay|root|browser):\n${out}")
endif()
message(STATUS "every test has a label")
